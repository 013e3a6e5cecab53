package ai.aim.proxy.admission;

/**
 * Adaptive concurrency limit by latency gradient. Owned by the admission thread.
 *
 * <p>Keeps a long-term EWMA of upstream time (window {@code longWindow} samples) and compares each
 * new sample (the short term) with it. When the short term is slower than {@code rttTolerance}
 * times the long term, the gradient {@code tolerance * long / short} falls below 1 and the limit
 * shrinks; otherwise it grows by about {@code sqrt(limit)} per sample (the queue allowance).
 * The gradient is bounded to [0.5, 1] so one slow sample cannot halve the limit at once, each new
 * estimate is smoothed, and the result stays within [minLimit, maxLimit]. While fewer than half
 * the permits are in use the limit does not move (the model server is not the bottleneck, so its
 * latency says nothing about the limit). When the long term drifts far above the short term
 * (ratio &gt; 2) it decays by 5 % per sample so that a past slow phase does not pin the limit high.
 */
final class GradientLimit {
  private final int minLimit;
  private final int maxLimit;
  private final double smoothing;
  private final int longWindow;
  private final double tolerance;
  private double estimate;
  private double longRtt;

  GradientLimit(LimitPolicy p, double start) {
    this.minLimit = p.minLimit();
    this.maxLimit = p.maxLimit();
    this.smoothing = p.smoothing();
    this.longWindow = p.longWindow();
    this.tolerance = p.rttTolerance();
    this.estimate = Math.max(minLimit, Math.min(maxLimit, start));
  }

  /** Feeds one upstream time; {@code inflight} is the permits in use when it completed. */
  void onSample(long rttNanos, int inflight) {
    if (rttNanos <= 0) {
      return;
    }
    double shortRtt = rttNanos;
    if (longRtt == 0) {
      longRtt = shortRtt;
    } else {
      longRtt += (shortRtt - longRtt) / longWindow;
    }
    if (longRtt / shortRtt > 2) {
      longRtt *= 0.95;
    }
    if (inflight < estimate / 2) {
      return;
    }
    double gradient = Math.max(0.5, Math.min(1.0, tolerance * longRtt / shortRtt));
    double next = estimate * gradient + Math.sqrt(estimate);
    estimate = estimate * (1 - smoothing) + next * smoothing;
    estimate = Math.max(minLimit, Math.min(maxLimit, estimate));
  }

  /** The limit in whole permits. */
  int limit() {
    return (int) estimate;
  }

  double estimate() {
    return estimate;
  }

  double longRttNanos() {
    return longRtt;
  }
}
