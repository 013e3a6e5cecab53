package ai.aim.proxy.slo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SeriesRecorderTest {

  @Test
  void aSwapReturnsWhatWasRecordedAndStartsAnEmptyInterval() {
    SeriesRecorder r = new SeriesRecorder(SloSeries.HIGHEST_MICROS, SloSeries.DIGITS);
    r.record(SloSeries.GOOD, 1_000, 10, 900, 200);
    r.record(SloSeries.SLOW, 5_000, -1, -1, -1);

    SeriesRecorder.Phase first = r.swap();

    assertThat(first.classes.get(SloSeries.GOOD)).isEqualTo(1);
    assertThat(first.classes.get(SloSeries.SLOW)).isEqualTo(1);
    assertThat(first.latency[0].getTotalCount()).isEqualTo(2);
    assertThat(first.latency[0].getMaxValue()).isBetween(4_950L, 5_050L);
    // Phases that did not happen (negative) are not recorded.
    assertThat(first.latency[1].getTotalCount()).isEqualTo(1);
    assertThat(first.latency[3].getTotalCount()).isEqualTo(1);

    SeriesRecorder.Phase second = r.swap();
    assertThat(second.classes.get(SloSeries.GOOD)).isZero();
    assertThat(second.latency[0].getTotalCount()).isZero();
  }

  @Test
  void noRequestIsLostOrCountedTwiceWhileWritersRaceTheSwaps() throws Exception {
    SeriesRecorder r = new SeriesRecorder(SloSeries.HIGHEST_MICROS, SloSeries.DIGITS);
    int perWriter = 100_000;
    Runnable writer =
        () -> {
          for (int i = 0; i < perWriter; i++) {
            r.record(i % 3, 1 + i % 5_000, i % 7, -1, 3);
          }
        };
    CompletableFuture<Void> a = CompletableFuture.runAsync(writer);
    CompletableFuture<Void> b = CompletableFuture.runAsync(writer);
    long requests = 0;
    long totals = 0;
    long upstream = 0;
    while (!(a.isDone() && b.isDone())) {
      SeriesRecorder.Phase p = r.swap();
      requests += p.classes.get(0) + p.classes.get(1) + p.classes.get(2);
      totals += p.latency[0].getTotalCount();
      upstream += p.latency[2].getTotalCount();
    }
    a.get(30, TimeUnit.SECONDS);
    b.get(30, TimeUnit.SECONDS);
    SeriesRecorder.Phase last = r.swap();
    requests += last.classes.get(0) + last.classes.get(1) + last.classes.get(2);
    totals += last.latency[0].getTotalCount();

    assertThat(requests).isEqualTo(2L * perWriter);
    assertThat(totals).isEqualTo(2L * perWriter);
    assertThat(upstream).isZero();
  }
}
