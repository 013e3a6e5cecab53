package ai.aim.proxy.admission;

/**
 * Events per second over fixed windows, smoothed by an EWMA across windows. Owned by the
 * admission thread: {@link #mark()} on each event, {@link #roll} from the timer.
 */
final class RateMeter {
  private long count;
  private long windowStart;
  private double rate;
  private boolean seeded;

  RateMeter(long nowNanos) {
    windowStart = nowNanos;
  }

  void mark() {
    count++;
  }

  /** Counts {@code n} events at once. */
  void mark(long n) {
    count += n;
  }

  /** Closes the window if {@code windowNanos} have passed; returns whether it did. */
  boolean roll(long nowNanos, long windowNanos, double alpha) {
    long elapsed = nowNanos - windowStart;
    if (elapsed < windowNanos) {
      return false;
    }
    double r = count * 1e9 / elapsed;
    rate = seeded ? alpha * r + (1 - alpha) * rate : r;
    seeded = true;
    count = 0;
    windowStart = nowNanos;
    return true;
  }

  /** Smoothed events per second; 0 before the first window closed. */
  double rate() {
    return rate;
  }
}
