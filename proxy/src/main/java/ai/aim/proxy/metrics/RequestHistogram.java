package ai.aim.proxy.metrics;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A fixed-bucket latency histogram for the request path: per-bucket counts, a sum and a recent
 * maximum, kept per writer slot ({@link WriterSlots}) so that a record updates counters no other
 * thread writes.
 *
 * <p>Threads: {@link #record} is called by any thread; it is wait-free and allocation-free once
 * the calling thread's cells exist (the first record of a thread allocates them): two opaque
 * stores into the thread's own cells, a read of its maximum, and a compare-and-set only when a new
 * maximum is seen. {@link #rotateMax} and the readers are called by the scraping thread and sum
 * over the slots. The count is the sum of the buckets (the last bucket is {@code +Inf}), so count
 * and buckets never disagree in a scrape beyond the requests recorded while the scrape reads them.
 */
final class RequestHistogram {
  private final long[] boundsNanos;
  private final int buckets;
  private final int sum;
  private final int max;
  private final int previousMax;
  private final int width;
  /**
   * By writer slot, created at the slot's first record: buckets (the last is +Inf), then sum of
   * nanos, current max, previous max. The current max is reset by the reader, so it is the one
   * cell a writer updates with a compare-and-set; the previous max is written by the reader only.
   */
  private final AtomicReferenceArray<long[]> cells = new AtomicReferenceArray<>(WriterSlots.COUNT);

  RequestHistogram(long[] boundsNanos) {
    this.boundsNanos = boundsNanos;
    this.buckets = boundsNanos.length + 1;
    this.sum = buckets;
    this.max = buckets + 1;
    this.previousMax = buckets + 2;
    this.width = buckets + 3;
  }

  static long[] boundsNanos(Duration[] bounds) {
    long[] nanos = new long[bounds.length];
    for (int i = 0; i < bounds.length; i++) {
      nanos[i] = bounds[i].toNanos();
    }
    return nanos;
  }

  /** Records one value in nanoseconds (negative values count as zero), as the calling thread. */
  void record(long nanos) {
    record(nanos, WriterSlots.current());
  }

  /** Records one value as the owner of writer slot {@code slot} ({@link WriterSlots#current()}). */
  void record(long nanos, int slot) {
    long v = Math.max(0, nanos);
    long[] b = boundsNanos;
    int i = 0;
    while (i < b.length && v > b[i]) {
      i++;
    }
    long[] c = cellsFor(slot);
    WriterSlots.add(c, i, 1, slot);
    WriterSlots.add(c, sum, v, slot);
    WriterSlots.raiseTo(c, max, v);
  }

  private long[] cellsFor(int slot) {
    long[] c = cells.getAcquire(slot);
    if (c == null) {
      long[] fresh = new long[width];
      c = cells.compareAndExchange(slot, null, fresh);
      if (c == null) {
        c = fresh;
      }
    }
    return c;
  }

  /** Number of buckets including {@code +Inf}. */
  int buckets() {
    return buckets;
  }


  /**
   * Copies every bucket's count (not cumulative) into {@code out}, which has {@link #buckets()}
   * entries, and returns their total.
   */
  long readBuckets(long[] out) {
    java.util.Arrays.fill(out, 0, buckets, 0L);
    for (int s = 0; s < WriterSlots.COUNT; s++) {
      long[] c = cells.getAcquire(s);
      if (c != null) {
        for (int i = 0; i < buckets; i++) {
          out[i] += WriterSlots.read(c, i);
        }
      }
    }
    long count = 0;
    for (int i = 0; i < buckets; i++) {
      count += out[i];
    }
    return count;
  }

  long count() {
    long n = 0;
    for (int s = 0; s < WriterSlots.COUNT; s++) {
      long[] c = cells.getAcquire(s);
      if (c != null) {
        for (int i = 0; i < buckets; i++) {
          n += WriterSlots.read(c, i);
        }
      }
    }
    return n;
  }

  long sumNanos() {
    long n = 0;
    for (int s = 0; s < WriterSlots.COUNT; s++) {
      long[] c = cells.getAcquire(s);
      if (c != null) {
        n += WriterSlots.read(c, sum);
      }
    }
    return n;
  }

  /** The largest value of the current and the previous max window, in nanoseconds. */
  long maxNanos() {
    long m = 0;
    for (int s = 0; s < WriterSlots.COUNT; s++) {
      long[] c = cells.getAcquire(s);
      if (c != null) {
        m = Math.max(m, Math.max(WriterSlots.read(c, max), WriterSlots.read(c, previousMax)));
      }
    }
    return m;
  }

  /**
   * Starts a new max window: the current maximum becomes the previous one. A value recorded
   * between the two steps may be lost from the maximum (never from buckets, count or sum).
   * One thread at a time.
   */
  void rotateMax() {
    for (int s = 0; s < WriterSlots.COUNT; s++) {
      long[] c = cells.getAcquire(s);
      if (c != null) {
        // The previous max is written here only (one rotating thread at a time).
        WriterSlots.set(c, previousMax, WriterSlots.take(c, max));
      }
    }
  }
}
