package ai.aim.proxy.slo;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.metrics.WriterSlots;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class SeriesRecorderTest {

  private static Slot fine() {
    return new Slot(SeriesRecorder.KINDS);
  }

  private static Slot coarse() {
    return new Slot(1);
  }

  @Test
  void aDrainAddsWhatWasRecordedSinceTheLastOneToBothSlots() {
    SeriesRecorder r = new SeriesRecorder(SloSeries.HIGHEST_MICROS, SloSeries.DIGITS);
    r.record(SloSeries.GOOD, 1_000, 10, 900, 200);
    r.record(SloSeries.SLOW, 5_000, -1, -1, -1);

    Slot first = fine();
    Slot firstCoarse = coarse();
    r.drainInto(first, firstCoarse);

    assertThat(first.good).isEqualTo(1);
    assertThat(first.slow).isEqualTo(1);
    assertThat(first.latency[0].getTotalCount()).isEqualTo(2);
    assertThat(first.latency[0].getValueAtPercentile(100)).isBetween(4_950L, 5_050L);
    // Phases that did not happen (negative) are not recorded.
    assertThat(first.latency[1].getTotalCount()).isEqualTo(1);
    assertThat(first.latency[3].getTotalCount()).isEqualTo(1);
    // The coarse slot keeps the counts and the total time only.
    assertThat(firstCoarse.good + firstCoarse.slow).isEqualTo(2);
    assertThat(firstCoarse.latency).hasSize(1);
    assertThat(firstCoarse.latency[0].getTotalCount()).isEqualTo(2);

    Slot second = fine();
    r.drainInto(second, coarse());
    assertThat(second.total()).isZero();
    assertThat(second.latency[0].getTotalCount()).isZero();

    r.record(SloSeries.SIDECAR_ERROR, 3, -1, -1, -1);
    Slot third = fine();
    r.drainInto(third, coarse());
    assertThat(third.sidecarErrors).isEqualTo(1);
    assertThat(third.good + third.slow).isZero();
    assertThat(third.latency[0].getTotalCount()).isEqualTo(1);
    assertThat(third.latency[0].getValueAtPercentile(50)).isEqualTo(3);
  }

  @Test
  void bucketsAreTheBucketsOfAnHdrHistogramOfTheSamePrecision() {
    SeriesRecorder r = new SeriesRecorder(SloSeries.HIGHEST_MICROS, SloSeries.DIGITS);
    Histogram reference = new Histogram(1, SloSeries.HIGHEST_MICROS, SloSeries.DIGITS);
    SplittableRandom random = new SplittableRandom(7);
    for (int n = 0; n < 200_000; n++) {
      long v =
          n < 1_000 ? n : Math.min(SloSeries.HIGHEST_MICROS, (long) Math.pow(2, random.nextDouble() * 31));
      int index = r.indexOf(v);
      assertThat(r.valueAt(index)).as("lowest value of the bucket of %d", v)
          .isEqualTo(reference.lowestEquivalentValue(v));
      assertThat(r.indexOf(r.valueAt(index))).isEqualTo(index);
    }
    assertThat(r.indexOf(SloSeries.HIGHEST_MICROS))
        .isEqualTo(r.indexOf(reference.lowestEquivalentValue(SloSeries.HIGHEST_MICROS)));
  }

  @Test
  void noRequestIsLostOrCountedTwiceWhileWritersRaceTheDrains() throws Exception {
    noneLostOrDoubled(false);
  }

  @Test
  void threadsSharingTheSharedSlotLoseNothingEither() throws Exception {
    noneLostOrDoubled(true);
  }

  private static void noneLostOrDoubled(boolean shared) throws Exception {
    SeriesRecorder r = new SeriesRecorder(SloSeries.HIGHEST_MICROS, SloSeries.DIGITS);
    int perWriter = 100_000;
    Runnable writer =
        () -> {
          for (int i = 0; i < perWriter; i++) {
            if (shared) {
              r.record(WriterSlots.SHARED, i % 3, 1 + i % 5_000, i % 7, -1, 3);
            } else {
              r.record(i % 3, 1 + i % 5_000, i % 7, -1, 3);
            }
          }
        };
    CompletableFuture<Void> a = CompletableFuture.runAsync(writer);
    CompletableFuture<Void> b = CompletableFuture.runAsync(writer);
    Slot all = fine();
    Slot allCoarse = coarse();
    int drains = 0;
    while (!(a.isDone() && b.isDone())) {
      r.drainInto(all, allCoarse);
      drains++;
    }
    a.get(30, TimeUnit.SECONDS);
    b.get(30, TimeUnit.SECONDS);
    r.drainInto(all, allCoarse);

    assertThat(drains).isPositive();
    assertThat(all.total()).isEqualTo(2L * perWriter);
    assertThat(all.latency[0].getTotalCount()).isEqualTo(2L * perWriter);
    assertThat(all.latency[1].getTotalCount()).isEqualTo(2L * perWriter);
    assertThat(all.latency[2].getTotalCount()).isZero();
    assertThat(all.latency[3].getTotalCount()).isEqualTo(2L * perWriter);
    assertThat(all.latency[3].getValueAtPercentile(50)).isEqualTo(3);
    assertThat(allCoarse.total()).isEqualTo(2L * perWriter);
    assertThat(allCoarse.latency[0].getTotalCount()).isEqualTo(2L * perWriter);
    // Every request's class: i % 3 over 0..perWriter-1, from both writers.
    assertThat(all.good).isEqualTo(2L * ((perWriter + 2) / 3));
  }
}
