package ai.aim.bench.slo;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.AdmissionGauges;
import ai.aim.proxy.metrics.AimMetrics;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.slo.SloConfig;
import ai.aim.proxy.slo.SloTracker;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The cost of a Prometheus scrape, of the once-a-second tick and of rendering {@code /slo} with 50
 * models x 3 priorities (every meter and series populated). Baselines: a registry with one model,
 * and the same 50 models through the earlier Micrometer-meter implementation
 * ({@link MicrometerAimMetrics}, fed the same requests; it shares the tracker, which then sees
 * every request twice: the SLO gauges read ratios, so the exposition has the same size).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SloScrapeBenchmark {
  private AimMetrics fifty;
  private AimMetrics one;
  private MicrometerAimMetrics fiftyMicrometer;
  private SloTracker tracker;
  private final AtomicLong clock = new AtomicLong();

  @Setup
  public void setUp() {
    tracker = new SloTracker(SloConfig.defaultConfig(), SloRecordingBenchmark.modelNames(), clock::get, System::currentTimeMillis);
    fifty = new AimMetrics(AimMetrics.newRegistry(), List.of(), AdmissionGauges.NONE, m -> 1L << 30, tracker);
    fiftyMicrometer = new MicrometerAimMetrics(AimMetrics.newRegistry(), List.of(), AdmissionGauges.NONE, m -> 1L << 30, tracker);
    one = new AimMetrics(AimMetrics.newRegistry(), List.of("model-0"), AdmissionGauges.NONE, m -> 1L << 30, null);
    SplittableRandom random = new SplittableRandom(7);
    List<String> models = SloRecordingBenchmark.modelNames();
    // An hour of traffic, 20 requests per series per 10 s slot, so every window is populated.
    for (int slot = 0; slot < 360; slot++) {
      for (String m : models) {
        for (Priority p : Priority.values()) {
          for (int r = 0; r < 20; r++) {
            long total = (long) (1e6 * Math.pow(10, random.nextDouble() * 4));
            Outcome o = r == 0 ? Outcome.SHED : Outcome.OK;
            fifty.onComplete(m, p, o, total / 4, total / 2, total / 3, total);
            fiftyMicrometer.onComplete(m, p, o, total / 4, total / 2, total / 3, total);
            one.onComplete("model-0", p, o, total / 4, total / 2, total / 3, total);
          }
        }
      }
      clock.addAndGet(10_000_000_000L);
      tracker.tick();
    }
  }

  @Benchmark
  public String scrapeOneModel() {
    return one.scrape();
  }

  @Benchmark
  public String scrapeFiftyModels() {
    return fifty.scrape();
  }

  /** Baseline: the same exposition from Micrometer meters (the earlier implementation). */
  @Benchmark
  public String scrapeFiftyModelsMicrometer() {
    return fiftyMicrometer.scrape();
  }

  @Benchmark
  public byte[] sloJsonFiftyModels() {
    return tracker.sloJson();
  }

  /** A tick with nothing recorded since the last one (idle series). */
  @Benchmark
  public void tickFiftyModels() {
    clock.addAndGet(1_000_000_000L);
    tracker.tick();
  }

  /**
   * A tick after a second in which every one of the 153 series got a request (each series has
   * an interval to take in): 153 records and the tick.
   */
  @Benchmark
  public void tickFiftyModelsAllActive() {
    List<String> models = SloRecordingBenchmark.modelNames();
    long total = 3_000_000L + (clock.get() / 1_000_000_000L % 1_000) * 1_000_000L;
    for (String m : models) {
      for (Priority p : Priority.values()) {
        fifty.onComplete(m, p, Outcome.OK, total / 4, total / 2, total / 3, total);
      }
    }
    for (Priority p : Priority.values()) {
      fifty.onComplete("not-registered", p, Outcome.OK, total / 4, total / 2, total / 3, total);
    }
    clock.addAndGet(1_000_000_000L);
    tracker.tick();
  }
}
