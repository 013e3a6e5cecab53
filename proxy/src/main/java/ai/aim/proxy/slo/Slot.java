package ai.aim.proxy.slo;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.PackedHistogram;

/**
 * The counts and latency distributions of one span of time (a slot, an accumulator, or a running
 * window). Histograms are {@link PackedHistogram}s: their memory grows with the number of distinct
 * buckets used, not with the value range, which keeps the many slots small.
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

  final AbstractHistogram[] latency = new AbstractHistogram[LatencyKind.values().length];

  Slot() {
    for (int i = 0; i < latency.length; i++) {
      latency[i] = newHistogram();
    }
  }

  static PackedHistogram newHistogram() {
    return new PackedHistogram(1, SloSeries.HIGHEST_MICROS, SloSeries.DIGITS);
  }

  long total() {
    return good + slow + sidecarErrors;
  }

  void add(Slot o) {
    good += o.good;
    slow += o.slow;
    sidecarErrors += o.sidecarErrors;
    for (int i = 0; i < latency.length; i++) {
      if (o.latency[i].getTotalCount() > 0) {
        latency[i].add(o.latency[i]);
      }
    }
  }

  void subtract(Slot o) {
    good -= o.good;
    slow -= o.slow;
    sidecarErrors -= o.sidecarErrors;
    for (int i = 0; i < latency.length; i++) {
      if (o.latency[i].getTotalCount() > 0) {
        latency[i].subtract(o.latency[i]);
      }
    }
  }

  void reset() {
    good = 0;
    slow = 0;
    sidecarErrors = 0;
    for (AbstractHistogram h : latency) {
      if (h.getTotalCount() > 0) {
        h.reset();
      }
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
