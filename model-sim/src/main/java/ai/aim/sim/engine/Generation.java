package ai.aim.sim.engine;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One request's run through the simulated accelerator: admission, then the timed emission of
 * its tokens, then the release of its slot. Owned by one event loop: every field is touched
 * only there ({@link #begin} and {@link #cancel} hop onto it), timers are scheduled on it, and
 * the {@link Listener} is called only there. Nothing here ever blocks the loop.
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
  private final int tokens;
  private final boolean streaming;
  private final Listener listener;
  private Ticket ticket;
  private long[] delays;
  private ScheduledFuture<?> timer;
  private boolean over;

  private Generation(
      Engine engine,
      ServiceTimes times,
      EventExecutor loop,
      long contextTokens,
      int tokens,
      boolean streaming,
      Listener listener) {
    this.engine = engine;
    this.times = times;
    this.loop = loop;
    this.contextTokens = contextTokens;
    this.tokens = Math.max(1, tokens);
    this.streaming = streaming;
    this.listener = listener;
  }

  /**
   * Starts a generation of {@code tokens} tokens after {@code contextTokens} of context. With
   * {@code streaming} the listener hears every token at the decode rate; without, only the end.
   */
  public static Generation begin(
      Engine engine,
      ServiceTimes times,
      EventExecutor loop,
      long contextTokens,
      int tokens,
      boolean streaming,
      Listener listener) {
    Generation g = new Generation(engine, times, loop, contextTokens, tokens, streaming, listener);
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
    ticket = engine.admit(contextTokens + tokens, loop, this::onSlot);
    if (ticket.rejected()) {
      over = true;
      listener.rejected(ticket.state());
    }
  }

  private void onSlot() {
    if (over) {
      return; // cancelled while queued; the engine already forgot it
    }
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
    timer = loop.schedule(() -> step(index), delayNanos, TimeUnit.NANOSECONDS);
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
