package ai.aim.proxy.admission;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import java.util.concurrent.TimeUnit;

/**
 * How the admission thread waits for the ring: right after it has worked, it spins briefly and
 * then yields for a short while before it blocks, so that a burst is picked up without a wake-up;
 * once it has been idle for a whole timeout it blocks at once, so an idle sidecar costs nothing
 * but the timer's wake-ups. Blocking uses a monitor with the timeout of {@code tickMs} (the
 * Disruptor then calls {@code onTimeout}, which runs the timer); {@link #wakeWithin} shortens
 * the wait when the admission thread has work due before the next tick.
 *
 * <p>Producers pay for a wake-up only when the consumer is actually blocked: publishing reads one
 * volatile flag, which the consumer writes only when it goes to sleep, so a producer does no
 * atomic read-modify-write per event (the Disruptor's lite blocking strategies do a {@code
 * getAndSet} on a shared flag for every publish, a cache line every producer writes).
 *
 * <p>Correctness of the sleep: the consumer sets {@code sleeping} (volatile) and then re-reads the
 * cursor while holding the monitor; a producer advances the cursor (a volatile read-modify-write)
 * before it reads {@code sleeping}. Whichever happens first, either the consumer sees the new
 * cursor and does not sleep, or the producer sees {@code sleeping} and notifies under the monitor,
 * which it can only take once the consumer waits.
 *
 * <p><b>Batches.</b> {@link #waitFor} reports at most {@code maxBatch} sequences as available, so
 * the consumer takes a bounded batch, hands its slots back to the producers and reads the clock
 * again after at most that many events. Without a bound a consumer that fell behind took the whole
 * ring as one batch: the producers found the ring full (refusing arrivals) until its last event
 * was done, then the consumer found the ring nearly empty, so the two sides took turns instead of
 * working at once, and the batch's clock reading grew milliseconds old. The bound is applied here
 * rather than with the Disruptor's own batch limit because the barrier checks every slot up to the
 * sequence this returns for publication: with the ring's cursor returned, a consumer behind by a
 * whole ring would scan tens of thousands of flags for each short batch.
 *
 * <p>{@link #waitFor} is called by the one consumer thread only; {@link #signalAllWhenBlocking}
 * by any producer.
 */
final class SpinThenBlockWaitStrategy implements WaitStrategy {
  /** Busy spins before the first clock read: short enough to stay well under a microsecond. */
  private static final int SPIN_TRIES = 256;

  private final Object mutex = new Object();
  private final long spinNanos;
  private final long yieldNanos;
  private final long timeoutNanos;
  private final long maxBatch;
  private volatile boolean sleeping;
  /** Consumer thread only: the last wait ended in a timeout, so there is no burst to expect. */
  private boolean idle;
  /** Consumer thread only: when the next blocking wait ends at the latest ({@link #wakeWithin}). */
  private long wakeAt;
  private boolean wakeSet;

  /**
   * @param spinNanos how long to busy-spin after work before yielding
   * @param yieldNanos how long to yield the CPU (still runnable) before blocking
   * @param timeout how long one blocking wait lasts before {@link TimeoutException}
   */
  SpinThenBlockWaitStrategy(long spinNanos, long yieldNanos, long timeout, TimeUnit unit) {
    this(spinNanos, yieldNanos, timeout, unit, Integer.MAX_VALUE);
  }

  /**
   * @param spinNanos how long to busy-spin after work before yielding
   * @param yieldNanos how long to yield the CPU (still runnable) before blocking
   * @param timeout how long one blocking wait lasts before {@link TimeoutException}
   * @param maxBatch most sequences one {@link #waitFor} reports available
   */
  SpinThenBlockWaitStrategy(
      long spinNanos, long yieldNanos, long timeout, TimeUnit unit, int maxBatch) {
    Checks.atLeast("spinNanos", spinNanos, 0);
    Checks.atLeast("yieldNanos", yieldNanos, 0);
    Checks.atLeast("timeout", timeout, 1);
    Checks.atLeast("maxBatch", maxBatch, 1);
    this.spinNanos = spinNanos;
    this.yieldNanos = yieldNanos;
    this.timeoutNanos = unit.toNanos(timeout);
    this.maxBatch = maxBatch;
  }

  @Override
  public long waitFor(
      long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
      throws AlertException, InterruptedException, TimeoutException {
    long available;
    if ((available = dependentSequence.get()) >= sequence) {
      idle = false;
      return bounded(sequence, available);
    }
    if (!idle) {
      available = spinThenYield(sequence, dependentSequence, barrier);
      if (available >= sequence) {
        return bounded(sequence, available);
      }
    }
    if (cursor.get() < sequence) {
      block(sequence, cursor, barrier);
    }
    idle = false;
    // The cursor moved; a claimed slot may not be published yet, which takes nanoseconds.
    while ((available = dependentSequence.get()) < sequence) {
      barrier.checkAlert();
      Thread.onSpinWait();
    }
    return bounded(sequence, available);
  }

  /**
   * Ends the next blocking wait after at most {@code nanos} (and at most the timeout) with a
   * {@link TimeoutException}, for work due before the next tick; {@code Long.MAX_VALUE}: none.
   * Consumer thread only; holds until the next call.
   */
  void wakeWithin(long nanos) {
    wakeSet = nanos < timeoutNanos;
    if (wakeSet) {
      wakeAt = System.nanoTime() + Math.max(0, nanos);
    }
  }

  /** {@code available}, or fewer so that at most {@code maxBatch} sequences from {@code sequence}. */
  private long bounded(long sequence, long available) {
    return available - sequence >= maxBatch ? sequence + maxBatch - 1 : available;
  }

  private long spinThenYield(long sequence, Sequence dependentSequence, SequenceBarrier barrier)
      throws AlertException {
    long available;
    for (int i = 0; i < SPIN_TRIES; i++) {
      if ((available = dependentSequence.get()) >= sequence) {
        return available;
      }
      Thread.onSpinWait();
    }
    long start = System.nanoTime();
    long elapsed = 0;
    while (elapsed < spinNanos + yieldNanos) {
      if ((available = dependentSequence.get()) >= sequence) {
        return available;
      }
      barrier.checkAlert();
      if (elapsed < spinNanos) {
        Thread.onSpinWait();
      } else {
        Thread.yield();
      }
      elapsed = System.nanoTime() - start;
    }
    return dependentSequence.get();
  }

  private void block(long sequence, Sequence cursor, SequenceBarrier barrier)
      throws AlertException, InterruptedException, TimeoutException {
    long remaining = wakeSet ? Math.min(timeoutNanos, wakeAt - System.nanoTime()) : timeoutNanos;
    synchronized (mutex) {
      try {
        while (true) {
          sleeping = true;
          if (cursor.get() >= sequence) {
            return;
          }
          barrier.checkAlert();
          if (remaining <= 0) {
            idle = true;
            throw TimeoutException.INSTANCE;
          }
          long t0 = System.nanoTime();
          TimeUnit.NANOSECONDS.timedWait(mutex, remaining);
          remaining -= System.nanoTime() - t0;
        }
      } finally {
        sleeping = false;
      }
    }
  }

  @Override
  public void signalAllWhenBlocking() {
    if (sleeping) {
      synchronized (mutex) {
        sleeping = false;
        mutex.notifyAll();
      }
    }
  }
}
