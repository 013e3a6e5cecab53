package ai.aim.sim.engine;

import ai.aim.sim.SchedulingPolicy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The capacity model of one simulated accelerator: {@code slots} requests in service at once, a
 * KV cache of {@code kvCacheTokens} that each running request fills with its context plus the
 * tokens it will generate, and a bounded queue for the rest.
 *
 * <p>A queued request starts when a slot is free <em>and</em> its tokens fit in the cache, in
 * queue order (head-of-line: a large request at the head holds back smaller ones behind it, as
 * an engine scheduler does). So KV pressure shows as waiting requests while slots are idle. The
 * queue order is arrival ({@link SchedulingPolicy#FCFS}) or priority value then arrival ({@link
 * SchedulingPolicy#PRIORITY}); under PRIORITY an arrival that finds no room preempts running
 * requests of a strictly lower priority, worst first, if that makes room. A preempted request
 * goes back to the queue in its rank (it keeps its arrival order, so it resumes before later
 * arrivals of its priority), whatever {@code maxQueue} says.
 *
 * <p>Thread safety: all admission state is guarded by this object's monitor; the critical
 * sections are a few field updates. Callbacks are handed to each ticket's executor after the lock
 * is released, so an event loop never runs foreign work under the lock. Counters are lock-free
 * and may be read from any thread.
 */
public final class Engine {
  private final int slots;
  private final int maxQueue;
  private final long kvCapacity;
  private final SchedulingPolicy policy;
  private final Queue<Ticket> queue;
  /** Running tickets in rank order, worst last; kept only under PRIORITY (to pick victims). */
  private final TreeSet<Ticket> runningSet;
  private long arrivals;
  private int running;
  private long kvUsed;
  private long maxConcurrent;

  private final LongAdder requests = new LongAdder();
  private final LongAdder completed = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder preempted = new LongAdder();
  private final Map<String, AtomicLong> priorities = new ConcurrentHashMap<>();

  /** Creates an idle first-come-first-served engine. */
  public Engine(int slots, int maxQueue, long kvCapacity) {
    this(slots, maxQueue, kvCapacity, SchedulingPolicy.FCFS);
  }

  /** Creates an idle engine scheduling by {@code policy}. */
  public Engine(int slots, int maxQueue, long kvCapacity, SchedulingPolicy policy) {
    if (slots < 1 || maxQueue < 0 || kvCapacity < 1) {
      throw new IllegalArgumentException(
          "slots=" + slots + ", maxQueue=" + maxQueue + ", kvCapacity=" + kvCapacity
              + " (expected: slots >= 1, maxQueue >= 0, kvCapacity >= 1)");
    }
    this.slots = slots;
    this.maxQueue = maxQueue;
    this.kvCapacity = kvCapacity;
    this.policy = java.util.Objects.requireNonNull(policy, "policy");
    if (policy == SchedulingPolicy.PRIORITY) {
      queue = new PriorityQueue<>(Ticket::compareRank);
      runningSet = new TreeSet<>(Ticket::compareRank);
    } else {
      queue = new ArrayDeque<>();
      runningSet = null;
    }
  }

  /**
   * The rank a priority value as received gives a request: the integer it holds (lower runs
   * first), or 0 when there is none or it is not an integer.
   */
  public static long rank(String priority) {
    if (priority == null) {
      return 0;
    }
    try {
      return Long.parseLong(priority.trim());
    } catch (NumberFormatException e) {
      return 0;
    }
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

  /** Asks for a slot at priority 0 with only a start callback (no preemption notices). */
  public Ticket admit(long kvTokens, Executor executor, Runnable onStart) {
    return admit(kvTokens, 0, executor, new Ticket.Listener() {
      @Override
      public void started(int run) {
        onStart.run();
      }

      @Override
      public void preempted(int run) {}
    });
  }

  /**
   * Asks for a slot. The returned ticket is RUNNING (its start notice is already handed to
   * {@code executor}), QUEUED (it will be, later) or REJECTED_* (nothing will happen). Under
   * PRIORITY, running tickets preempted to make room get their notices on their own executors.
   */
  public Ticket admit(long kvTokens, long priority, Executor executor, Ticket.Listener listener) {
    Ticket t;
    List<Runnable> notices = new ArrayList<>(1);
    synchronized (this) {
      t = new Ticket(kvTokens, priority, arrivals++, executor, listener);
      synchronized (t) {
        if (kvTokens > kvCapacity) {
          t.state = Ticket.State.REJECTED_TOO_LARGE;
        } else if (aheadOfQueue(t) && (fits(t) || preemptFor(t, notices))) {
          startLocked(t, notices);
        } else if (queue.size() >= maxQueue) {
          t.state = Ticket.State.REJECTED_QUEUE_FULL;
        } else {
          t.state = Ticket.State.QUEUED;
          queue.add(t);
        }
      }
    }
    if (t.rejected()) {
      rejected.increment();
    }
    notices.forEach(Runnable::run);
    return t;
  }

  /** Whether {@code t} would be first in the queue: always when the queue is empty. */
  private boolean aheadOfQueue(Ticket t) {
    Ticket head = queue.peek();
    return head == null || (runningSet != null && Ticket.compareRank(t, head) < 0);
  }

  /**
   * Under PRIORITY, preempts the fewest running tickets of strictly lower priority, worst first,
   * that make room for {@code t}, adding their notices; preempts none (and returns false) when
   * even all of them would not.
   */
  private boolean preemptFor(Ticket t, List<Runnable> notices) {
    if (runningSet == null) {
      return false;
    }
    int freeSlots = slots - running;
    long freeKv = kvCapacity - kvUsed;
    int needed = 0;
    Iterator<Ticket> worst = runningSet.descendingIterator();
    while (freeSlots < 1 || freeKv < t.kvTokens) {
      if (!worst.hasNext()) {
        return false;
      }
      Ticket v = worst.next();
      if (v.priority <= t.priority) {
        return false;
      }
      freeSlots++;
      freeKv += v.kvTokens;
      needed++;
    }
    for (int i = 0; i < needed; i++) {
      Ticket v = runningSet.pollLast();
      int run;
      synchronized (v) {
        running--;
        kvUsed -= v.kvTokens;
        v.state = Ticket.State.QUEUED;
        run = v.runs;
      }
      queue.add(v);
      notices.add(() -> v.executor.execute(() -> v.listener.preempted(run)));
    }
    preempted.add(needed);
    return true;
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
    List<Runnable> notices = new ArrayList<>(1);
    synchronized (this) {
      synchronized (t) {
        switch (t.state) {
          case RUNNING -> {
            running--;
            kvUsed -= t.kvTokens;
            if (runningSet != null) {
              runningSet.remove(t);
            }
          }
          case QUEUED -> queue.remove(t);
          default -> {
            return false;
          }
        }
        t.state = Ticket.State.DONE;
      }
      while (!queue.isEmpty() && fits(queue.peek())) {
        Ticket next = queue.poll();
        synchronized (next) {
          startLocked(next, notices);
        }
      }
    }
    notices.forEach(Runnable::run);
    return true;
  }

  private boolean fits(Ticket t) {
    return running < slots && kvUsed + t.kvTokens <= kvCapacity;
  }

  /** Starts {@code t} (both monitors held) and adds its start notice, handed over unlocked. */
  private void startLocked(Ticket t, List<Runnable> notices) {
    t.state = Ticket.State.RUNNING;
    int run = ++t.runs;
    notices.add(() -> t.executor.execute(() -> t.listener.started(run)));
    running++;
    kvUsed += t.kvTokens;
    maxConcurrent = Math.max(maxConcurrent, running);
    if (runningSet != null) {
      runningSet.add(t);
    }
  }

  /** The scheduling policy. */
  public SchedulingPolicy policy() {
    return policy;
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
        failed.sum(), preempted.sum(), maxConcurrent, kvUsed, kvCapacity, p);
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
      long preempted,
      long maxConcurrent,
      long kvUsed,
      long kvCapacity,
      Map<String, Long> priorities) {}
}
