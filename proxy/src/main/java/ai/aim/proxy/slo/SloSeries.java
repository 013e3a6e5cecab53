package ai.aim.proxy.slo;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The recorders and windows of one model and priority.
 *
 * <p>{@link #record} is called by any event loop and is wait-free and allocation-free: it only
 * calls {@link Recorder#recordValue}. Everything else is owned by the tracker's tick thread.
 */
final class SloSeries {
  /** Histogram precision: two significant digits, i.e. within 1 % of the recorded value. */
  static final int DIGITS = 2;
  /**
   * Values are microseconds; longer times (over 35 minutes) are recorded as this, which keeps
   * every bucket value within an int for the sparse closed slots.
   */
  static final long HIGHEST_MICROS = Integer.MAX_VALUE;

  private static final long RECORDER_HISTOGRAM_BYTES =
      new ConcurrentHistogram(1, HIGHEST_MICROS, DIGITS).getEstimatedFootprintInBytes();
  private static final long CLASS_HISTOGRAM_BYTES =
      new ConcurrentHistogram(1, 16, 1).getEstimatedFootprintInBytes();

  static final int GOOD = 0;
  static final int SLOW = 1;
  static final int SIDECAR_ERROR = 2;

  final String model;
  final Priority priority;
  final SloObjective objective;
  private final long thresholdNanos;

  private final Recorder[] latency = new Recorder[LatencyKind.values().length];
  /** Records the class of each request (good, slow, sidecar error) as the values 0, 1, 2. */
  private final Recorder classes = new Recorder(1, 16, 1);

  final SlotRing tenSeconds;
  final SlotRing minutes;

  SloSeries(String model, Priority priority, SloObjective objective) {
    this.model = model;
    this.priority = priority;
    this.objective = objective;
    this.thresholdNanos = objective.thresholdMs() * 1_000_000L;
    for (int i = 0; i < latency.length; i++) {
      latency[i] = new Recorder(1, HIGHEST_MICROS, DIGITS);
    }
    this.tenSeconds =
        new SlotRing(
            Window.ONE_MINUTE.slotSeconds() * 1_000_000_000L,
            LatencyKind.values().length,
            Window.ONE_MINUTE.slots(),
            Window.FIVE_MINUTES.slots());
    // The hour keeps the distribution of the total time only: its 60 slots would otherwise
    // hold four times as many buckets, for phases that the short windows already explain.
    this.minutes =
        new SlotRing(Window.ONE_HOUR.slotSeconds() * 1_000_000_000L, 1, Window.ONE_HOUR.slots());
  }

  /** Wait-free, allocation-free; any thread. Negative times mean "phase did not happen". */
  void record(Outcome outcome, long queueNanos, long upstreamNanos, long ttfbNanos, long totalNanos) {
    int cls;
    if (outcome.isSidecarError()) {
      cls = SIDECAR_ERROR;
    } else if (totalNanos <= thresholdNanos) {
      cls = GOOD;
    } else {
      cls = SLOW;
    }
    classes.recordValue(cls);
    recordNanos(latency[0], totalNanos);
    recordNanos(latency[1], queueNanos);
    recordNanos(latency[2], upstreamNanos);
    recordNanos(latency[3], ttfbNanos);
  }

  private static void recordNanos(Recorder r, long nanos) {
    if (nanos >= 0) {
      r.recordValue(Math.min(nanos / 1000L, HIGHEST_MICROS));
    }
  }

  /**
   * Takes the interval since the last call from every recorder and adds it to the current slots
   * of both rings. Tick thread only.
   *
   * @param scratch a histogram of the recorders' configuration, reused across series
   */
  void drainInto(Histogram scratch, Histogram classScratch) {
    classes.getIntervalHistogramInto(classScratch);
    long good = classScratch.getCountAtValue(GOOD);
    long slow = classScratch.getCountAtValue(SLOW);
    long err = classScratch.getCountAtValue(SIDECAR_ERROR);
    addCounts(tenSeconds.current(), good, slow, err);
    addCounts(minutes.current(), good, slow, err);
    for (int i = 0; i < latency.length; i++) {
      latency[i].getIntervalHistogramInto(scratch);
      if (scratch.getTotalCount() > 0) {
        tenSeconds.current().latency[i].add(scratch);
        if (i < minutes.kinds()) {
          minutes.current().latency[i].add(scratch);
        }
      }
    }
  }

  private static void addCounts(Slot s, long good, long slow, long err) {
    s.good += good;
    s.slow += slow;
    s.sidecarErrors += err;
  }

  static Histogram newScratch() {
    return new Histogram(1, HIGHEST_MICROS, DIGITS);
  }

  static Histogram newClassScratch() {
    return new Histogram(1, 16, 1);
  }

  /** The ring a window lives in, and the window's position in it. */
  SlotRing ring(Window w) {
    return w == Window.ONE_HOUR ? minutes : tenSeconds;
  }

  static int windowPosition(Window w) {
    return w == Window.FIVE_MINUTES ? 1 : 0;
  }

  /** Estimated bytes held by this series (recorders, both rings). */
  long footprintBytes() {
    // Each recorder keeps an active and an inactive concurrent histogram.
    long sum = latency.length * 2L * RECORDER_HISTOGRAM_BYTES + 2L * CLASS_HISTOGRAM_BYTES;
    return sum + tenSeconds.footprintBytes() + minutes.footprintBytes();
  }
}
