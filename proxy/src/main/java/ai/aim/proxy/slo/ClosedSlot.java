package ai.aim.proxy.slo;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * A slot that has ended, kept sparse: for each latency kind only the distinct recorded values
 * (bucket representatives) and their counts. Its memory is proportional to the distinct buckets
 * the slot saw, and adding it to or removing it from a window touches only those.
 *
 * <p>Immutable once built; owned by the tick thread.
 */
final class ClosedSlot {
  private static final int[] NONE = new int[0];
  static final ClosedSlot EMPTY = new ClosedSlot(0);

  final long good;
  final long slow;
  final long sidecarErrors;
  /**
   * Per tracked kind: bucket values (microseconds; they fit an int because the histograms stop
   * at {@link SloSeries#HIGHEST_MICROS}) and their counts (a slot never sees 2^31 requests).
   */
  final int[][] values;
  final int[][] counts;

  private ClosedSlot(int kinds) {
    good = 0;
    slow = 0;
    sidecarErrors = 0;
    values = new int[kinds][];
    counts = new int[kinds][];
  }

  private ClosedSlot(Slot s) {
    good = s.good;
    slow = s.slow;
    sidecarErrors = s.sidecarErrors;
    values = new int[s.latency.length][];
    counts = new int[s.latency.length][];
    for (int k = 0; k < values.length; k++) {
      AbstractHistogram h = s.latency[k];
      if (h.getTotalCount() == 0) {
        values[k] = NONE;
        counts[k] = NONE;
        continue;
      }
      int[] v = new int[16];
      int[] c = new int[16];
      int n = 0;
      for (HistogramIterationValue it : h.recordedValues()) {
        if (n == v.length) {
          v = java.util.Arrays.copyOf(v, n * 2);
          c = java.util.Arrays.copyOf(c, n * 2);
        }
        v[n] = (int) it.getValueIteratedTo();
        c[n] = (int) it.getCountAddedInThisIterationStep();
        n++;
      }
      values[k] = java.util.Arrays.copyOf(v, n);
      counts[k] = java.util.Arrays.copyOf(c, n);
    }
  }

  /** A sparse copy of a dense slot ({@link #EMPTY} for an empty one). */
  static ClosedSlot of(Slot s) {
    if (s.total() == 0) {
      boolean empty = true;
      for (AbstractHistogram h : s.latency) {
        empty &= h.getTotalCount() == 0;
      }
      if (empty) {
        return EMPTY;
      }
    }
    return new ClosedSlot(s);
  }

  int footprintBytes() {
    int sum = 3 * Long.BYTES + 64;
    for (int k = 0; k < values.length; k++) {
      sum += 8 * values[k].length + 32;
    }
    return sum;
  }
}
