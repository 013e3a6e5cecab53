package ai.aim.sim.engine;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One request's run through the simulated accelerator: admission, then the timed emission of
 * its tokens, then the release of its slot. Owned by one event loop: every field is touched
 * only there ({@link #begin} and {@link #cancel} hop onto it), timers are scheduled on it, and
 * the {@link Listener} is called only there. Nothing here ever blocks the loop.
 *
 * <p>Under a {@link ai.aim.sim.SchedulingPolicy#PRIORITY} engine a generation can be preempted:
 * its pending timer stops and what was left of the wait is kept; when the engine starts it again,
 * it waits that remainder plus the prefill of its context and of the tokens it already generated
 * (the engine recomputes the cache it dropped), then goes on. The client sees a slower answer,
 * never a lost one.
 */
public final class Generation {

  /** Callbacks of a generation, all on its event loop. */
  public interface Listener {
    /** Admission refused the request (queue full, or larger than the whole KV cache). */
    void rejected(Ticket.State reason);

    /** The request got its slot; the first token follows after the prefill. */
    void started();

    /** Token {@code index} is generated (only for streaming generations). */
    void token(int index);

    /** The last token is generated and the slot already released. */
    void finished();
  }

  private final Engine engine;
  private final ServiceTimes times;
  private final EventExecutor loop;
  private final long contextTokens;
  private final long priority;
  private final int tokens;
  private final boolean streaming;
  private final Listener listener;
  private Ticket ticket;
  private long[] delays;
  private ScheduledFuture<?> timer;
  private boolean over;
  /** The engine's run number of the stay in a slot this generation is in (0: not started). */
  private int run;
  /** Preempted and waiting to run again. */
  private boolean paused;
  /** The token whose timer is pending; the work (generation time) still ahead of it. */
  private int pendingIndex;
  private long workLeftNanos;
  /** The pending timer's whole delay and the recomputation part of it. */
  private long timerNanos;
  private long penaltyNanos;

  private Generation(
      Engine engine,
      ServiceTimes times,
      EventExecutor loop,
      long contextTokens,
      long priority,
      int tokens,
      boolean streaming,
      Listener listener) {
    this.engine = engine;
    this.times = times;
    this.loop = loop;
    this.contextTokens = contextTokens;
    this.priority = priority;
    this.tokens = Math.max(1, tokens);
    this.streaming = streaming;
    this.listener = listener;
  }

  /**
   * Starts a generation of {@code tokens} tokens after {@code contextTokens} of context, at
   * priority value {@code priority} (lower runs first; only a PRIORITY engine reads it). With
   * {@code streaming} the listener hears every token at the decode rate; without, only the end.
   */
  public static Generation begin(
      Engine engine,
      ServiceTimes times,
      EventExecutor loop,
      long contextTokens,
      long priority,
      int tokens,
      boolean streaming,
      Listener listener) {
    Generation g =
        new Generation(engine, times, loop, contextTokens, priority, tokens, streaming, listener);
    onLoop(loop, g::admit);
    return g;
  }

  private static void onLoop(EventExecutor loop, Runnable r) {
    if (loop.inEventLoop()) {
      r.run();
    } else {
      loop.execute(r);
    }
  }

  private void admit() {
    if (over) {
      return; // cancelled before admission ran
    }
    ticket =
        engine.admit(contextTokens + tokens, priority, loop, new Ticket.Listener() {
          @Override
          public void started(int r) {
            onSlot(r);
          }

          @Override
          public void preempted(int r) {
            onPreempted(r);
          }
        });
    if (ticket.rejected()) {
      over = true;
      listener.rejected(ticket.state());
    }
  }

  private void onSlot(int r) {
    if (over) {
      return; // cancelled while queued; the engine already forgot it
    }
    if (r < run) {
      return; // a start notice overtaken by a later one
    }
    if (delays != null) {
      resume(r);
      return;
    }
    run = r;
    delays = times.plan(contextTokens, tokens);
    listener.started();
    if (over) {
      return; // the listener found the client gone while writing headers
    }
    if (streaming) {
      schedule(0, delays[0]);
    } else {
      long total = 0;
      for (long d : delays) {
        total += d;
      }
      schedule(tokens - 1, total);
    }
  }

  private void schedule(int index, long delayNanos) {
    schedule(index, delayNanos, 0);
  }

  private void schedule(int index, long workNanos, long recomputeNanos) {
    pendingIndex = index;
    workLeftNanos = workNanos;
    penaltyNanos = recomputeNanos;
    timerNanos = workNanos + recomputeNanos;
    timer = loop.schedule(() -> step(index), timerNanos, TimeUnit.NANOSECONDS);
  }

  /** The engine took the slot of run {@code r} away; a notice for an earlier run is stale. */
  private void onPreempted(int r) {
    if (over || paused || r != run) {
      return;
    }
    pause();
  }

  private void pause() {
    paused = true;
    if (timer != null) {
      long ran = timerNanos - Math.max(0, timer.getDelay(TimeUnit.NANOSECONDS));
      workLeftNanos = Math.max(0, workLeftNanos - Math.max(0, ran - penaltyNanos));
      timer.cancel(false);
      timer = null;
    }
  }

  /**
   * Run {@code r} started after a preemption (whose notice may not have arrived yet: the engine
   * can preempt and restart a ticket before either notice runs here). Waits what was left plus
   * the recomputation of the context and of the tokens already generated.
   */
  private void resume(int r) {
    if (!paused) {
      pause();
    }
    paused = false;
    run = r;
    schedule(pendingIndex, workLeftNanos, times.prefillNanos(contextTokens + generated()));
  }

  /** Tokens generated before the pending one: its index, or for a single timer, by work done. */
  private long generated() {
    if (streaming) {
      return pendingIndex;
    }
    long total = 0;
    for (long d : delays) {
      total += d;
    }
    long elapsed = total - workLeftNanos;
    // The tokens whose emission time has passed.
    int done = 0;
    long emittedBy = delays[0];
    while (done < tokens - 1 && emittedBy <= elapsed) {
      done++;
      emittedBy += delays[done];
    }
    return done;
  }

  private void step(int index) {
    if (over) {
      return;
    }
    if (streaming) {
      listener.token(index);
      if (over) {
        return;
      }
    }
    if (index + 1 < tokens) {
      schedule(index + 1, delays[index + 1]);
    } else {
      over = true;
      engine.complete(ticket);
      listener.finished();
    }
  }

  /** The client went away: stop, free the slot or queue place, count it cancelled. Idempotent. */
  public void cancel() {
    onLoop(
        loop,
        () -> {
          if (over || ticket == null) {
            over = true;
            return;
          }
          over = true;
          if (timer != null) {
            timer.cancel(false);
          }
          engine.cancel(ticket);
        });
  }

  /** Number of tokens this generation emits. */
  public int tokens() {
    return tokens;
  }
}
