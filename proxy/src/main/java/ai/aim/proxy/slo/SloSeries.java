package ai.aim.proxy.slo;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;
import org.HdrHistogram.AtomicHistogram;

/**
 * The recorders and windows of one model and priority.
 *
 * <p>{@link #record} is called by any event loop and is wait-free and allocation-free: it only
 * calls {@link SeriesRecorder#record}. Everything else is owned by the tracker's tick thread.
 */
final class SloSeries {
  /** Histogram precision: two significant digits, i.e. within 1 % of the recorded value. */
  static final int DIGITS = 2;
  /**
   * Values are microseconds; longer times (over 35 minutes) are recorded as this, which keeps
   * every bucket value within an int for the sparse closed slots.
   */
  static final long HIGHEST_MICROS = Integer.MAX_VALUE;


  static final int GOOD = 0;
  static final int SLOW = 1;
  static final int SIDECAR_ERROR = 2;

  final String model;
  final Priority priority;
  final SloObjective objective;
  private final long thresholdNanos;

  /** This interval's latencies and the count of each class (good, slow, sidecar error). */
  private final SeriesRecorder recorder = new SeriesRecorder(HIGHEST_MICROS, DIGITS);

  final SlotRing tenSeconds;
  final SlotRing minutes;

  SloSeries(String model, Priority priority, SloObjective objective) {
    this.model = model;
    this.priority = priority;
    this.objective = objective;
    this.thresholdNanos = objective.thresholdMs() * 1_000_000L;
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
    recorder.record(
        cls, micros(totalNanos), micros(queueNanos), micros(upstreamNanos), micros(ttfbNanos));
  }

  /** Nanoseconds to recorded microseconds, capped; negative stays negative (not recorded). */
  private static long micros(long nanos) {
    return nanos < 0 ? -1 : Math.min(nanos / 1000L, HIGHEST_MICROS);
  }

  /**
   * Takes the interval since the last call from the recorder and adds it to the current slots
   * of both rings. Tick thread only.
   */
  void drain() {
    SeriesRecorder.Phase interval = recorder.swap();
    long good = interval.classes.get(GOOD);
    long slow = interval.classes.get(SLOW);
    long err = interval.classes.get(SIDECAR_ERROR);
    addCounts(tenSeconds.current(), good, slow, err);
    addCounts(minutes.current(), good, slow, err);
    for (int i = 0; i < SeriesRecorder.KINDS; i++) {
      AtomicHistogram h = interval.latency[i];
      if (h.getTotalCount() > 0) {
        tenSeconds.current().latency[i].add(h);
        if (i < minutes.kinds()) {
          minutes.current().latency[i].add(h);
        }
      }
    }
  }

  private static void addCounts(Slot s, long good, long slow, long err) {
    s.good += good;
    s.slow += slow;
    s.sidecarErrors += err;
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
    // The recorder keeps an active and an inactive set of histograms.
    return recorder.footprintBytes() + tenSeconds.footprintBytes() + minutes.footprintBytes();
  }
}
