package ai.aim.bench.slo;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.AdmissionGauges;
import ai.aim.proxy.metrics.AimMetrics;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.slo.SloConfig;
import ai.aim.proxy.slo.SloTracker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The cost of recording one finished request on the sidecar's request path: the SLO tracker's
 * recorders plus the request metrics, with 50 models x 3 priorities registered, requests going
 * to one model or spread over all 50. {@code baseline} picks the same arguments and only consumes
 * them; {@code micrometerOnly} and {@code recordAllMicrometer} run the earlier Micrometer-meter
 * implementation ({@link MicrometerAimMetrics}) for comparison in the same run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SloRecordingBenchmark {
  static final int MODELS = 50;

  /** 1: one hot series set, as in a sidecar for one model; 50: requests spread over 150 series. */
  @Param({"1", "50"})
  public int modelCount;

  private String[] models;
  private final Priority[] priorities = Priority.values();
  private final Outcome[] outcomes = {
    Outcome.OK, Outcome.OK, Outcome.OK, Outcome.OK, Outcome.OK, Outcome.OK, Outcome.SHED, Outcome.UPSTREAM_ERROR
  };
  /** Latencies spread over the bucket range, in nanoseconds. */
  private final long[] totals = new long[1024];

  private SloTracker tracker;
  private AimMetrics metricsOnly;
  private AimMetrics all;
  private MicrometerAimMetrics micrometerOnly;
  private MicrometerAimMetrics allMicrometer;
  private int i;

  static List<String> modelNames() {
    List<String> names = new ArrayList<>();
    for (int m = 0; m < MODELS; m++) {
      names.add("model-" + m);
    }
    return names;
  }

  @Setup
  public void setUp() {
    models = modelNames().subList(0, modelCount).toArray(new String[0]);
    java.util.SplittableRandom random = new java.util.SplittableRandom(42);
    for (int k = 0; k < totals.length; k++) {
      // log-uniform from 1 ms to 100 s
      totals[k] = (long) (1e6 * Math.pow(10, random.nextDouble() * 5));
    }
    tracker = new SloTracker(SloConfig.defaultConfig(), modelNames());
    all = new AimMetrics(AimMetrics.newRegistry(), List.of(), AdmissionGauges.NONE, null, tracker);
    metricsOnly = new AimMetrics(AimMetrics.newRegistry(), modelNames(), AdmissionGauges.NONE, null, null);
    SloTracker tracker2 = new SloTracker(SloConfig.defaultConfig(), modelNames());
    allMicrometer = new MicrometerAimMetrics(AimMetrics.newRegistry(), List.of(), AdmissionGauges.NONE, null, tracker2);
    micrometerOnly = new MicrometerAimMetrics(AimMetrics.newRegistry(), modelNames(), AdmissionGauges.NONE, null, null);
  }

  @Benchmark
  public void baseline(Blackhole bh) {
    int k = i++ & Integer.MAX_VALUE;
    bh.consume(models[k % models.length]);
    bh.consume(priorities[k % 3]);
    bh.consume(outcomes[k & 7]);
    bh.consume(totals[k & 1023]);
  }

  @Benchmark
  public void sloTrackerOnly() {
    int k = i++ & Integer.MAX_VALUE;
    long total = totals[k & 1023];
    tracker.onComplete(models[k % models.length], priorities[k % 3], outcomes[k & 7], total / 4, total / 2, total / 3, total);
  }

  /** The request metrics alone (no tracker). */
  @Benchmark
  public void metricsOnly() {
    int k = i++ & Integer.MAX_VALUE;
    long total = totals[k & 1023];
    metricsOnly.onComplete(models[k % models.length], priorities[k % 3], outcomes[k & 7], total / 4, total / 2, total / 3, total);
  }

  /** Baseline: the same metrics as Micrometer timers and counters (the earlier implementation). */
  @Benchmark
  public void micrometerOnly() {
    int k = i++ & Integer.MAX_VALUE;
    long total = totals[k & 1023];
    micrometerOnly.onComplete(models[k % models.length], priorities[k % 3], outcomes[k & 7], total / 4, total / 2, total / 3, total);
  }

  @Benchmark
  public void recordAll() {
    int k = i++ & Integer.MAX_VALUE;
    long total = totals[k & 1023];
    all.onComplete(models[k % models.length], priorities[k % 3], outcomes[k & 7], total / 4, total / 2, total / 3, total);
  }

  /** Baseline: the whole path with the Micrometer meters (the earlier implementation). */
  @Benchmark
  public void recordAllMicrometer() {
    int k = i++ & Integer.MAX_VALUE;
    long total = totals[k & 1023];
    allMicrometer.onComplete(models[k % models.length], priorities[k % 3], outcomes[k & 7], total / 4, total / 2, total / 3, total);
  }
}
