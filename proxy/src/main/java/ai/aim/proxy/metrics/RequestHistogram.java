package ai.aim.proxy.metrics;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed-bucket latency histogram for the request path: per-bucket counts, a sum and a recent
 * maximum, all in one {@link AtomicLongArray} so a record touches one object.
 *
 * <p>Threads: {@link #record} is called by any event loop; it is wait-free and allocation-free
 * (two atomic adds, a volatile read and, only when a new maximum is seen, a compare-and-set).
 * {@link #rotateMax} and the readers are called by the scraping thread. The count is the sum of
 * the buckets (the last bucket is {@code +Inf}), so count and buckets never disagree in a scrape
 * beyond the requests recorded while the scrape reads them.
 */
final class RequestHistogram {
  private final long[] boundsNanos;
  private final int buckets;
  private final int sum;
  private final int max;
  private final int previousMax;
  /** Buckets (the last is +Inf), then sum of nanos, current max, previous max. */
  private final AtomicLongArray cells;

  RequestHistogram(long[] boundsNanos) {
    this.boundsNanos = boundsNanos;
    this.buckets = boundsNanos.length + 1;
    this.sum = buckets;
    this.max = buckets + 1;
    this.previousMax = buckets + 2;
    this.cells = new AtomicLongArray(buckets + 3);
  }

  static long[] boundsNanos(Duration[] bounds) {
    long[] nanos = new long[bounds.length];
    for (int i = 0; i < bounds.length; i++) {
      nanos[i] = bounds[i].toNanos();
    }
    return nanos;
  }

  /** Records one value in nanoseconds (negative values count as zero). */
  void record(long nanos) {
    long v = Math.max(0, nanos);
    long[] b = boundsNanos;
    int i = 0;
    while (i < b.length && v > b[i]) {
      i++;
    }
    cells.getAndIncrement(i);
    cells.getAndAdd(sum, v);
    long m = cells.get(max);
    while (v > m && !cells.weakCompareAndSetVolatile(max, m, v)) {
      m = cells.get(max);
    }
  }

  /** Number of buckets including {@code +Inf}. */
  int buckets() {
    return buckets;
  }

  /** Count of values in bucket {@code i} alone (not cumulative). */
  long bucket(int i) {
    return cells.get(i);
  }

  long count() {
    long c = 0;
    for (int i = 0; i < buckets; i++) {
      c += cells.get(i);
    }
    return c;
  }

  long sumNanos() {
    return cells.get(sum);
  }

  /** The largest value of the current and the previous max window, in nanoseconds. */
  long maxNanos() {
    return Math.max(cells.get(max), cells.get(previousMax));
  }

  /**
   * Starts a new max window: the current maximum becomes the previous one. A value recorded
   * between the two steps may be lost from the maximum (never from buckets, count or sum).
   */
  void rotateMax() {
    cells.set(previousMax, cells.getAndSet(max, 0));
  }
}
