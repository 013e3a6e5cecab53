package ai.aim.sim.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The capacity model of one simulated accelerator: {@code slots} requests in service at once, a
 * KV cache of {@code kvCacheTokens} that each running request fills with its context plus the
 * tokens it will generate, and a bounded FIFO queue for the rest.
 *
 * <p>A queued request starts when a slot is free <em>and</em> its tokens fit in the cache, in
 * arrival order (head-of-line: a large request at the head holds back smaller ones behind it, as
 * a FIFO engine scheduler does). So KV pressure shows as waiting requests while slots are idle.
 *
 * <p>Thread safety: all admission state is guarded by this object's monitor; the critical
 * sections are a few field updates. Start callbacks are handed to each ticket's executor after
 * the lock is released, so an event loop never runs foreign work under the lock. Counters are
 * lock-free and may be read from any thread.
 */
public final class Engine {
  private final int slots;
  private final int maxQueue;
  private final long kvCapacity;
  private final ArrayDeque<Ticket> queue = new ArrayDeque<>();
  private int running;
  private long kvUsed;
  private long maxConcurrent;

  private final LongAdder requests = new LongAdder();
  private final LongAdder completed = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final Map<String, AtomicLong> priorities = new ConcurrentHashMap<>();

  /** Creates an idle engine. */
  public Engine(int slots, int maxQueue, long kvCapacity) {
    if (slots < 1 || maxQueue < 0 || kvCapacity < 1) {
      throw new IllegalArgumentException(
          "slots=" + slots + ", maxQueue=" + maxQueue + ", kvCapacity=" + kvCapacity
              + " (expected: slots >= 1, maxQueue >= 0, kvCapacity >= 1)");
    }
    this.slots = slots;
    this.maxQueue = maxQueue;
    this.kvCapacity = kvCapacity;
  }

  /** Counts an arriving inference request and the priority it carried (null: none). */
  public void arrived(String priority) {
    requests.increment();
    if (priority != null) {
      priorities.computeIfAbsent(priority, k -> new AtomicLong()).incrementAndGet();
    }
  }

  /** Counts a request answered with an injected failure. */
  public void failedByInjection() {
    failed.increment();
  }

  /**
   * Asks for a slot. The returned ticket is RUNNING (its {@code onStart} is already handed to
   * {@code executor}), QUEUED (it will be, later) or REJECTED_* (nothing will happen).
   */
  public Ticket admit(long kvTokens, java.util.concurrent.Executor executor, Runnable onStart) {
    Ticket t = new Ticket(kvTokens, executor, onStart);
    boolean start = false;
    synchronized (this) {
      synchronized (t) {
        if (kvTokens > kvCapacity) {
          t.state = Ticket.State.REJECTED_TOO_LARGE;
        } else if (queue.isEmpty() && fits(t)) {
          startLocked(t);
          start = true;
        } else if (queue.size() >= maxQueue) {
          t.state = Ticket.State.REJECTED_QUEUE_FULL;
        } else {
          t.state = Ticket.State.QUEUED;
          queue.addLast(t);
        }
      }
    }
    if (t.rejected()) {
      rejected.increment();
    }
    if (start) {
      executor.execute(onStart);
    }
    return t;
  }

  /** Releases a finished request's slot and cache; counts it completed. */
  public void complete(Ticket t) {
    if (release(t)) {
      completed.increment();
    }
  }

  /** Releases the slot (or queue place) of a request whose client went away; counts it. */
  public void cancel(Ticket t) {
    if (release(t)) {
      cancelled.increment();
    }
  }

  /** Returns true if this call moved the ticket to DONE (so counting happens exactly once). */
  private boolean release(Ticket t) {
    List<Ticket> started = new ArrayList<>(1);
    synchronized (this) {
      synchronized (t) {
        switch (t.state) {
          case RUNNING -> {
            running--;
            kvUsed -= t.kvTokens;
          }
          case QUEUED -> queue.remove(t);
          default -> {
            return false;
          }
        }
        t.state = Ticket.State.DONE;
      }
      while (!queue.isEmpty() && fits(queue.peekFirst())) {
        Ticket next = queue.pollFirst();
        synchronized (next) {
          startLocked(next);
        }
        started.add(next);
      }
    }
    for (Ticket s : started) {
      s.executor.execute(s.onStart);
    }
    return true;
  }

  private boolean fits(Ticket t) {
    return running < slots && kvUsed + t.kvTokens <= kvCapacity;
  }

  private void startLocked(Ticket t) {
    t.state = Ticket.State.RUNNING;
    running++;
    kvUsed += t.kvTokens;
    maxConcurrent = Math.max(maxConcurrent, running);
  }

  /** Requests in service now. */
  public synchronized int running() {
    return running;
  }

  /** Requests waiting now. */
  public synchronized int waiting() {
    return queue.size();
  }

  /** KV-cache tokens in use now. */
  public synchronized long kvUsed() {
    return kvUsed;
  }

  /** KV-cache capacity. */
  public long kvCapacity() {
    return kvCapacity;
  }

  /** A consistent snapshot of gauges and counters. */
  public synchronized Snapshot snapshot() {
    Map<String, Long> p = new TreeMap<>();
    priorities.forEach((k, v) -> p.put(k, v.get()));
    return new Snapshot(
        requests.sum(), completed.sum(), running, queue.size(), rejected.sum(), cancelled.sum(),
        failed.sum(), maxConcurrent, kvUsed, kvCapacity, p);
  }

  /** Values of {@link #snapshot()}; mirrors the public {@code SimStats}. */
  public record Snapshot(
      long requests,
      long completed,
      long running,
      long waiting,
      long rejected,
      long cancelled,
      long failed,
      long maxConcurrent,
      long kvUsed,
      long kvCapacity,
      Map<String, Long> priorities) {}
}
