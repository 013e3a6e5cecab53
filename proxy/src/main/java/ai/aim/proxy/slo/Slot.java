package ai.aim.proxy.slo;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.IntCountsHistogram;

/**
 * Counts and latency distributions of a span that is still changing: the slot being filled, or a
 * window's running sum. Dense histograms (int counts) so that adding an interval and reading
 * percentiles are plain array loops.
 *
 * <p>Owned by the tracker's tick thread (under the tracker's lock).
 */
final class Slot {
  /** Within the latency threshold and not a sidecar error. */
  long good;
  /** Answered (not a sidecar error) but slower than the threshold. */
  long slow;
  /** Answered by the sidecar itself with an error (shed, deadline, unavailable). */
  long sidecarErrors;

  /** By {@link LatencyKind} ordinal; only the first {@code kinds} kinds are tracked. */
  final AbstractHistogram[] latency;

  Slot(int kinds) {
    latency = new AbstractHistogram[kinds];
    for (int i = 0; i < latency.length; i++) {
      latency[i] = new IntCountsHistogram(1, SloSeries.HIGHEST_MICROS, SloSeries.DIGITS);
    }
  }

  long total() {
    return good + slow + sidecarErrors;
  }

  /** Adds ({@code sign = 1}) or removes ({@code sign = -1}) a closed slot. */
  void apply(ClosedSlot s, int sign) {
    good += sign * s.good;
    slow += sign * s.slow;
    sidecarErrors += sign * s.sidecarErrors;
    for (int k = 0; k < s.values.length; k++) {
      int[] values = s.values[k];
      int[] counts = s.counts[k];
      AbstractHistogram h = latency[k];
      for (int j = 0; j < values.length; j++) {
        // A negative count takes recorded values out again; percentiles are read from the
        // counts only, so the histogram's cached min and max going stale does not matter.
        h.recordValueWithCount(values[j], (long) sign * counts[j]);
      }
    }
  }

  void reset() {
    good = 0;
    slow = 0;
    sidecarErrors = 0;
    for (AbstractHistogram h : latency) {
      h.reset();
    }
  }

  int footprintBytes() {
    int sum = 3 * Long.BYTES;
    for (AbstractHistogram h : latency) {
      sum += h.getEstimatedFootprintInBytes();
    }
    return sum;
  }
}
