package ai.aim.proxy.slo;

import ai.aim.proxy.metrics.WriterSlots;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Recording of one series: the four latency distributions and the counts of good, slow and
 * sidecar-error requests, as cumulative counters kept per writer slot ({@link WriterSlots}). The
 * tick takes the interval since its last call as the difference between the sums over the slots
 * now and at that call ({@link #drainInto}).
 *
 * <p>Why: a record then writes only counters its own thread owns, with opaque stores (plain moves
 * on x86) instead of locked read-modify-writes, and no phaser: the tick never swaps anything the
 * writers use. The histograms use the bucket layout of an HdrHistogram with lowest discernible
 * value 1 and the given significant digits, so an interval adds into the slots' HdrHistograms
 * bucket for bucket, at the same precision. Bucket counts are 32-bit and wrap; the difference of
 * two readings is exact as long as one bucket of one series gets fewer than 2^31 requests between
 * two ticks.
 *
 * <p>Threads: {@link #record} from any thread, wait-free, allocation-free once the thread's cells
 * exist (its first record in this series allocates them). {@link #drainInto} from one thread at a
 * time (the tracker's tick). A record is seen by the tick as a whole or, if it is still being
 * written when the tick reads, partly in this interval and partly in the next: its class count is
 * published last (a release store), so once the tick sees a request counted it also sees that
 * request's latencies.
 */
final class SeriesRecorder {
  /** The latency kinds, in {@link LatencyKind} order (total, queue, upstream, ttfb). */
  static final int KINDS = 4;
  /** Request classes: {@link SloSeries#GOOD}, {@link SloSeries#SLOW}, {@link SloSeries#SIDECAR_ERROR}. */
  static final int CLASSES = 3;

  private static final VarHandle INTS = MethodHandles.arrayElementVarHandle(int[].class);
  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

  /** One writer slot's cumulative counters. */
  private static final class Cells {
    final long[] classes = new long[CLASSES];
    /** Kind {@code k}'s bucket {@code j} is at {@code k * length + j}. */
    final int[] counts;

    Cells(int length) {
      counts = new int[KINDS * length];
    }
  }

  /** log2 of half the sub-buckets per bucket (7 for two significant digits). */
  private final int halfMagnitude;
  private final int halfCount;
  private final long subBucketMask;
  private final int leadingZeroBase;
  /** Buckets per kind: the index of {@code highest}, plus one. */
  private final int length;
  private final AtomicReferenceArray<Cells> cells = new AtomicReferenceArray<>(WriterSlots.COUNT);

  // Tick thread only: the sums over all slots at the last drain.
  private final long[] seenClasses = new long[CLASSES];
  private final int[] seenCounts;
  private final Cells[] live = new Cells[WriterSlots.COUNT];

  /**
   * @param highest the largest value recorded (larger ones must be capped by the caller)
   * @param digits significant decimal digits of precision (as HdrHistogram's)
   */
  SeriesRecorder(long highest, int digits) {
    if (LatencyKind.values().length != KINDS) {
      throw new IllegalStateException("SeriesRecorder records " + KINDS + " latency kinds");
    }
    if (digits < 0 || digits > 5 || highest < 2) {
      throw new IllegalArgumentException(
          "digits: " + digits + ", highest: " + highest + " (expected: 0..5 digits, highest >= 2)");
    }
    long largestSingleUnit = 2 * (long) Math.pow(10, digits);
    int magnitude = (int) Math.ceil(Math.log(largestSingleUnit) / Math.log(2));
    this.halfMagnitude = Math.max(magnitude, 1) - 1;
    this.halfCount = 1 << halfMagnitude;
    this.subBucketMask = (1L << (halfMagnitude + 1)) - 1;
    this.leadingZeroBase = 64 - halfMagnitude - 1;
    this.length = indexOf(highest) + 1;
    this.seenCounts = new int[KINDS * length];
  }

  /** The bucket of a value in {@code [0, highest]} (HdrHistogram's layout, unit magnitude 0). */
  int indexOf(long value) {
    int bucket = leadingZeroBase - Long.numberOfLeadingZeros(value | subBucketMask);
    int sub = (int) (value >>> bucket);
    return ((bucket + 1) << halfMagnitude) + (sub - halfCount);
  }

  /** The lowest value of a bucket: every value of the bucket has the same {@link #indexOf}. */
  long valueAt(int index) {
    int bucket = (index >> halfMagnitude) - 1;
    int sub = (index & (halfCount - 1)) + halfCount;
    if (bucket < 0) {
      bucket = 0;
      sub -= halfCount;
    }
    return (long) sub << bucket;
  }

  /** Records one request as the calling thread. */
  void record(int cls, long v0, long v1, long v2, long v3) {
    record(WriterSlots.current(), cls, v0, v1, v2, v3);
  }

  /**
   * Records one request as the owner of writer slot {@code slot}. Wait-free.
   *
   * @param cls the request's class (0, 1 or 2)
   * @param v0 the first latency kind ({@link LatencyKind} order); for this and the three others,
   *     negative means "did not happen" and is skipped, and a value must not exceed the highest
   */
  void record(int slot, int cls, long v0, long v1, long v2, long v3) {
    Cells c = cells.getAcquire(slot);
    if (c == null) {
      c = create(slot);
    }
    int[] counts = c.counts;
    boolean shared = slot == WriterSlots.SHARED;
    if (v0 >= 0) {
      bump(counts, indexOf(v0), shared);
    }
    if (v1 >= 0) {
      bump(counts, length + indexOf(v1), shared);
    }
    if (v2 >= 0) {
      bump(counts, 2 * length + indexOf(v2), shared);
    }
    if (v3 >= 0) {
      bump(counts, 3 * length + indexOf(v3), shared);
    }
    // Last, with release (the shared slot's atomic add is a full fence): a tick that sees this
    // count sees the latencies above.
    if (shared) {
      LONGS.getAndAdd(c.classes, cls, 1L);
    } else {
      LONGS.setRelease(c.classes, cls, c.classes[cls] + 1);
    }
  }

  /** One more in {@code counts[i]}: an opaque store for the slot's owner, atomic when shared. */
  private static void bump(int[] counts, int i, boolean shared) {
    if (shared) {
      INTS.getAndAdd(counts, i, 1);
    } else {
      INTS.setOpaque(counts, i, (int) INTS.getOpaque(counts, i) + 1);
    }
  }

  private Cells create(int slot) {
    Cells fresh = new Cells(length);
    Cells c = cells.compareAndExchange(slot, null, fresh);
    return c == null ? fresh : c;
  }

  /**
   * Adds what was recorded since the last call to {@code slot} (every kind) and to {@code coarse}
   * (the kinds it keeps), class counts included. One thread at a time.
   */
  void drainInto(Slot slot, Slot coarse) {
    int n = 0;
    long good = 0;
    long slow = 0;
    long err = 0;
    for (int s = 0; s < WriterSlots.COUNT; s++) {
      Cells c = cells.getAcquire(s);
      if (c != null) {
        live[n++] = c;
        good += (long) LONGS.getAcquire(c.classes, SloSeries.GOOD);
        slow += (long) LONGS.getAcquire(c.classes, SloSeries.SLOW);
        err += (long) LONGS.getAcquire(c.classes, SloSeries.SIDECAR_ERROR);
      }
    }
    long dGood = good - seenClasses[SloSeries.GOOD];
    long dSlow = slow - seenClasses[SloSeries.SLOW];
    long dErr = err - seenClasses[SloSeries.SIDECAR_ERROR];
    if (dGood == 0 && dSlow == 0 && dErr == 0) {
      // Nothing finished since the last drain; latencies of a record still being written are
      // taken with its count, later.
      java.util.Arrays.fill(live, 0, n, null);
      return;
    }
    seenClasses[SloSeries.GOOD] = good;
    seenClasses[SloSeries.SLOW] = slow;
    seenClasses[SloSeries.SIDECAR_ERROR] = err;
    addCounts(slot, dGood, dSlow, dErr);
    addCounts(coarse, dGood, dSlow, dErr);
    int fineKinds = slot.latency.length;
    int coarseKinds = coarse.latency.length;
    for (int k = 0; k < KINDS; k++) {
      int base = k * length;
      for (int j = 0; j < length; j++) {
        int sum = 0;
        for (int s = 0; s < n; s++) {
          sum += (int) INTS.getOpaque(live[s].counts, base + j);
        }
        int delta = sum - seenCounts[base + j];
        if (delta != 0) {
          seenCounts[base + j] = sum;
          // Wrapping arithmetic: the difference is right modulo 2^32 (see the class comment).
          long value = valueAt(j);
          if (k < fineKinds) {
            slot.latency[k].recordValueWithCount(value, Integer.toUnsignedLong(delta));
          }
          if (k < coarseKinds) {
            coarse.latency[k].recordValueWithCount(value, Integer.toUnsignedLong(delta));
          }
        }
      }
    }
    java.util.Arrays.fill(live, 0, n, null);
  }

  private static void addCounts(Slot s, long good, long slow, long err) {
    s.good += good;
    s.slow += slow;
    s.sidecarErrors += err;
  }

  /** Estimated bytes held: the cells of every slot that recorded here, and the tick's copy. */
  long footprintBytes() {
    long perSlot = 16L + 8L * CLASSES + 16L + 4L * KINDS * length;
    long sum = 4L * seenCounts.length + 8L * CLASSES + 8L * live.length;
    for (int s = 0; s < WriterSlots.COUNT; s++) {
      if (cells.get(s) != null) {
        sum += perSlot;
      }
    }
    return sum;
  }
}
