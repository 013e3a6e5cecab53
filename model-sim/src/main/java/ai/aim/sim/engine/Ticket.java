package ai.aim.sim.engine;

import java.util.concurrent.Executor;

/**
 * One request's claim on the simulated accelerator: a slot plus {@link #kvTokens()} of KV cache.
 * Created by {@link Engine#admit}; its {@link #state()}, its run count and its place in the
 * engine's sets are guarded by the engine's monitor. The callbacks run on the request's own
 * executor (its event loop), never under the lock.
 */
public final class Ticket {
  /** Where a ticket is in its life. */
  public enum State {
    QUEUED,
    RUNNING,
    REJECTED_QUEUE_FULL,
    REJECTED_TOO_LARGE,
    DONE
  }

  /**
   * What the engine tells a ticket's owner, on the ticket's executor. {@code run} numbers the
   * ticket's stays in a slot from 1; a preempted ticket starts again with the next number. Two
   * notices may arrive in either order when the engine preempts and restarts a ticket at once, so
   * an owner compares run numbers rather than trusting the order.
   */
  public interface Listener {
    /** The ticket got a slot for its {@code run}-th time. */
    void started(int run);

    /** The ticket lost the slot of its {@code run}-th time to a higher-priority request. */
    void preempted(int run);
  }

  final long kvTokens;
  final long priority;
  final long seq;
  final Executor executor;
  final Listener listener;
  State state;
  int runs;

  Ticket(long kvTokens, long priority, long seq, Executor executor, Listener listener) {
    this.kvTokens = kvTokens;
    this.priority = priority;
    this.seq = seq;
    this.executor = executor;
    this.listener = listener;
  }

  /** KV-cache tokens this request holds while running (context plus tokens to generate). */
  public long kvTokens() {
    return kvTokens;
  }

  /** The priority value the request carried (lower runs first; 0 without one). */
  public long priority() {
    return priority;
  }

  /** The state when admission answered, or later (read without the lock: informative only). */
  public synchronized State state() {
    return state;
  }

  /** True if admission refused the request. */
  public boolean rejected() {
    State s = state();
    return s == State.REJECTED_QUEUE_FULL || s == State.REJECTED_TOO_LARGE;
  }

  /** Orders tickets by priority value, then arrival: the engine's order under PRIORITY. */
  static int compareRank(Ticket a, Ticket b) {
    int c = Long.compare(a.priority, b.priority);
    return c != 0 ? c : Long.compare(a.seq, b.seq);
  }
}
