package ai.aim.proxy.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Gives each thread that records request metrics a writer slot of its own, so that the recorders
 * ({@link RequestHistogram}, the SLO tracker's series) can keep one set of counters per slot and
 * update them with plain (opaque) stores instead of atomic read-modify-writes: the request path
 * then costs a few nanoseconds per counter instead of one locked instruction each.
 *
 * <p>There are {@link #EXCLUSIVE} exclusive slots, each owned by at most one live thread, and one
 * {@link #SHARED} slot for threads that find none free (more recording threads than slots); the
 * shared slot's counters are updated atomically. A slot whose owner has terminated is taken over
 * by the next thread that asks; its counts stay (they are cumulative), and the takeover sees all
 * of them because a thread's termination happens-before another thread sees it as not alive.
 *
 * <p>In the sidecar the recording threads are the Netty event loops (HTTP and gRPC, which runs on
 * a direct executor), a bounded set, so every record goes to an exclusive slot.
 *
 * <p>Thread-safe; {@link #current()} costs one {@link ThreadLocal} read.
 */
public final class WriterSlots {
  /** Number of exclusive slots. */
  public static final int EXCLUSIVE = 64;
  /** Index of the shared slot (atomic updates); there are {@code SHARED + 1} slots in all. */
  public static final int SHARED = EXCLUSIVE;
  /** Number of slots, exclusive and shared. */
  public static final int COUNT = EXCLUSIVE + 1;

  private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
  private static final AtomicReferenceArray<Thread> OWNERS = new AtomicReferenceArray<>(EXCLUSIVE);
  private static final ThreadLocal<Integer> SLOT = ThreadLocal.withInitial(WriterSlots::claim);

  private WriterSlots() {}

  /** The calling thread's slot: exclusive to it while it lives, or {@link #SHARED}. */
  public static int current() {
    return SLOT.get();
  }

  private static int claim() {
    Thread me = Thread.currentThread();
    for (int i = 0; i < EXCLUSIVE; i++) {
      Thread owner = OWNERS.get(i);
      if (owner == null) {
        if (OWNERS.compareAndSet(i, null, me)) {
          return i;
        }
      } else if (!owner.isAlive() && OWNERS.compareAndSet(i, owner, me)) {
        return i;
      }
    }
    return SHARED;
  }

  /**
   * Adds {@code delta} to {@code cells[i]} as the owner of {@code slot}: an opaque store for an
   * exclusive slot (only its owner writes the cell), an atomic add for the shared one.
   */
  public static void add(long[] cells, int i, long delta, int slot) {
    if (slot == SHARED) {
      LONGS.getAndAdd(cells, i, delta);
    } else {
      LONGS.setOpaque(cells, i, (long) LONGS.getOpaque(cells, i) + delta);
    }
  }

  /**
   * Raises {@code cells[i]} to {@code value} if it is below, with a compare-and-set (any slot: the
   * reader may reset the cell, see {@link #take}). Costs a plain read when the value is not above.
   */
  public static void raiseTo(long[] cells, int i, long value) {
    long m = (long) LONGS.getOpaque(cells, i);
    while (value > m && !LONGS.weakCompareAndSet(cells, i, m, value)) {
      m = (long) LONGS.getVolatile(cells, i);
    }
  }

  /** Reads a cell raised by {@link #raiseTo} and resets it to 0, atomically. */
  public static long take(long[] cells, int i) {
    return (long) LONGS.getAndSet(cells, i, 0L);
  }

  /** Sets a cell that only the calling thread writes (opaque store). */
  public static void set(long[] cells, int i, long value) {
    LONGS.setOpaque(cells, i, value);
  }

  /** Reads a cell written by {@link #add} on another thread (never torn, eventually current). */
  public static long read(long[] cells, int i) {
    return (long) LONGS.getOpaque(cells, i);
  }
}
