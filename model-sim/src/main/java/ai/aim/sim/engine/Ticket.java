package ai.aim.sim.engine;

import java.util.concurrent.Executor;

/**
 * One request's claim on the simulated accelerator: a slot plus {@link #kvTokens()} of KV cache.
 * Created by {@link Engine#admit}; its {@link #state()} is guarded by the engine's monitor. The
 * start callback runs on the request's own executor (its event loop), never under the lock.
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

  final long kvTokens;
  final Executor executor;
  final Runnable onStart;
  State state;

  Ticket(long kvTokens, Executor executor, Runnable onStart) {
    this.kvTokens = kvTokens;
    this.executor = executor;
    this.onStart = onStart;
  }

  /** KV-cache tokens this request holds while running (context plus tokens to generate). */
  public long kvTokens() {
    return kvTokens;
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
}
