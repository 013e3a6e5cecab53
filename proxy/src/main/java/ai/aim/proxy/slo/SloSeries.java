package ai.aim.proxy.slo;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;

/**
 * The recorders and windows of one model and priority.
 *
 * <p>{@link #record} is called by any event loop and is wait-free and allocation-free (after
 * the calling thread's first record here): it only calls {@link SeriesRecorder#record}.
 * Everything else is owned by the tracker's tick thread.
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
  void record(
      int slot, Outcome outcome, long queueNanos, long upstreamNanos, long ttfbNanos, long totalNanos) {
    int cls;
    if (outcome.isSidecarError()) {
      cls = SIDECAR_ERROR;
    } else if (totalNanos <= thresholdNanos) {
      cls = GOOD;
    } else {
      cls = SLOW;
    }
    recorder.record(
        slot,
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
    recorder.drainInto(tenSeconds.current(), minutes.current());
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
