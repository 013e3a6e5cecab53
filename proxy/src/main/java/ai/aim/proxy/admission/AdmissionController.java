package ai.aim.proxy.admission;

import ai.aim.proxy.metrics.Outcome;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission core's front door: decides, for every request, dispatch now, queue, or refuse,
 * and gives every permit back when the request ends.
 *
 * <p><b>Threading.</b> Built with {@link #start}, every entry point ({@link #submit}, {@link
 * #complete}, {@link #cancel}, {@link #reload}, {@link #updateEngineSignal}, {@link #overrideLimit}, {@link #drain},
 * {@link #refreshSnapshot}) may be called from any thread; each only copies its arguments into a
 * slot of a multi-producer Disruptor ring. One consumer thread ({@code aim-admission}) owns all
 * admission state and makes every decision; it calls the {@link AdmissionCallback} of each
 * ticket exactly once (see there for the hop back to the event loop). Producers never block on
 * {@code submit}: when the ring is full the request is refused at once with {@link
 * RejectReason#SATURATED} on the caller's thread. {@code complete} and {@code cancel} must not be
 * lost, so on a full ring they wait for a slot.
 *
 * <p>Built with {@link #inline}, there is no ring and no thread: every call is processed at once
 * on the caller's thread, callbacks included. That mode is for tests and benchmarks of the
 * decision logic and is not thread-safe.
 *
 * <p><b>Tickets.</b> A ticket is a {@code long}: the ring sequence of the arrival, unique for the
 * controller's life. Ordering is by the ring, so a {@code cancel} or {@code complete} made after
 * {@code submit} returned is always processed after the arrival.
 *
 * <p><b>Idle cost.</b> When the ring empties after work, the consumer spins for 2 us and yields
 * for up to 20 us, then blocks on a monitor ({@link SpinThenBlockWaitStrategy}), waking every
 * {@code tickMs} for the timer; once idle it blocks at once and does not spin. The measured idle
 * CPU is in {@code docs/admission.md}.
 *
 * <p><b>Batches.</b> With the {@code BLOCKING} idle strategy (the default; {@code BUSY_SPIN} is
 * only for comparisons and does not bound batches) the consumer takes at most 256 events per
 * batch: it reads the clock and checks the timer once per batch and hands the batch's slots back
 * at its end, so a backlog never holds the whole ring (and refuses every arrival) until it is
 * worked off.
 */
public final class AdmissionController implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdmissionController.class);

  /** The deadline of a request that has none. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  /** What {@link #submit} returns when it refused the request before a ticket existed. */
  public static final long NO_TICKET = -1;

  /**
   * After a batch the consumer spins this long, then yields up to {@link #YIELD_AFTER_WORK_NANOS},
   * before it blocks: long enough to catch the next event of a busy stream without a wake-up,
   * short enough to cost little when traffic is sparse (see {@link SpinThenBlockWaitStrategy}).
   */
  private static final long SPIN_AFTER_WORK_NANOS = 2_000;

  private static final long YIELD_AFTER_WORK_NANOS = 20_000;

  /**
   * Most events the consumer takes as one batch before it hands their slots back to the
   * producers and reads the clock again (see {@link SpinThenBlockWaitStrategy}).
   */
  private static final int MAX_BATCH = 256;

  /** How the consumer waits for work. */
  public enum IdleStrategy {
    /**
     * Spin and yield briefly after work, then block on a monitor, waking each tick: near-zero
     * idle CPU. The default.
     */
    BLOCKING,
    /** Spin on the ring: one core busy at all times. Only for comparisons. */
    BUSY_SPIN
  }

  private final LongSupplier clock;
  private final AdmissionCore core;
  private final Disruptor<RingEvent> disruptor;
  private final RingBuffer<RingEvent> ring;
  private volatile AdmissionConfig config;
  private volatile boolean closed;
  private volatile Thread consumerThread;
  private long inlineTickets;
  /** Refusals made on producer threads, by reason (SATURATED, DRAINING) and class; see refuseHere. */
  private final Rejection[] refusedHere = new Rejection[6];

  private AdmissionController(
      AdmissionConfig config, LongSupplier clock, boolean threaded, IdleStrategy idle) {
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "nanoClock");
    this.core = new AdmissionCore(config, clock.getAsLong());
    if (!threaded) {
      disruptor = null;
      ring = null;
      return;
    }
    SpinThenBlockWaitStrategy blocking =
        idle == IdleStrategy.BUSY_SPIN
            ? null
            : new SpinThenBlockWaitStrategy(
                SPIN_AFTER_WORK_NANOS, YIELD_AFTER_WORK_NANOS, config.tickMillis(),
                TimeUnit.MILLISECONDS, MAX_BATCH);
    WaitStrategy wait = blocking == null ? new BusySpinWaitStrategy() : blocking;
    disruptor =
        new Disruptor<>(
            RingEvent::new,
            config.ringSize(),
            r -> {
              Thread t = new Thread(r, "aim-admission");
              t.setDaemon(true);
              return t;
            },
            ProducerType.MULTI,
            wait);
    Handler handler = new Handler(blocking);
    disruptor.handleEventsWith(handler);
    disruptor.setDefaultExceptionHandler(new LogAndContinue());
    ring = disruptor.start();
    // Until the consumer runs, the Disruptor's shutdown sees no backlog and would halt at once,
    // dropping what was published; so start() returns only once the thread is up.
    try {
      if (!handler.started.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("admission thread did not start within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the admission thread", e);
    }
  }

  /** Starts the admission thread with the blocking idle strategy. */
  public static AdmissionController start(AdmissionConfig config, LongSupplier nanoClock) {
    return new AdmissionController(config, nanoClock, true, IdleStrategy.BLOCKING);
  }

  /** Starts the admission thread with a chosen idle strategy. */
  public static AdmissionController start(
      AdmissionConfig config, LongSupplier nanoClock, IdleStrategy idle) {
    return new AdmissionController(config, nanoClock, true, idle);
  }

  /** A controller without ring or thread: each call is processed on the caller's thread. */
  public static AdmissionController inline(AdmissionConfig config, LongSupplier nanoClock) {
    return new AdmissionController(config, nanoClock, false, IdleStrategy.BLOCKING);
  }

  /**
   * Submits one arrival. The callback is called exactly once, unless the ticket is cancelled
   * while still queued.
   *
   * @param model the folded model name (unknown models get the default policy)
   * @param priority the class, or {@code null} for the model's {@code defaultPriority}
   * @param deadlineNanos absolute deadline on the controller's clock, or {@link #NO_DEADLINE}
   * @param tenant tenant key for fairness inside the class, or {@code null}
   * @param costTokens estimated cost (prompt plus max output tokens), at least 1
   * @param callback answers this request
   * @return the ticket for {@link #complete} and {@link #cancel}, or {@link #NO_TICKET} if it was
   *     refused at once on this thread (ring full, controller closed)
   */
  public long submit(
      String model,
      Priority priority,
      long deadlineNanos,
      String tenant,
      long costTokens,
      AdmissionCallback callback) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(callback, "callback");
    long now = clock.getAsLong();
    if (closed) {
      refuseHere(model, priority, RejectReason.DRAINING, callback);
      return NO_TICKET;
    }
    if (ring == null) {
      long ticket = inlineTickets++;
      core.arrive(ticket, model, priority, deadlineNanos, tenant, costTokens, callback, now, now);
      core.maybeTick(now);
      return ticket;
    }
    if (deadlineNanos > now) {
      // Refusals that need no decision are made here, without the hops to the admission thread
      // and back (see ArrivalGate).
      ArrivalGate gate = gateOf(model);
      if (gate != null && gate.refusing()) {
        Priority p = priority != null ? priority : config.defaultPriority(model);
        RejectReason r = gate.refusal(p.ordinal());
        if (r != null) {
          gate.countRefused(p.ordinal(), r);
          refuseHere(model, p, r, callback);
          return NO_TICKET;
        }
      }
    }
    long seq;
    try {
      seq = ring.tryNext();
    } catch (InsufficientCapacityException e) {
      refuseHere(model, priority, RejectReason.SATURATED, callback);
      return NO_TICKET;
    }
    ring.get(seq).arrival(model, priority, deadlineNanos, tenant, costTokens, callback, now);
    ring.publish(seq);
    return seq;
  }

  /**
   * The request ended: frees its permit and feeds the service-time estimate and the adaptive
   * limit with {@code upstreamNanos} (for {@code OK} and {@code CLIENT_ERROR} outcomes). Completing
   * a ticket that is still queued removes it like {@link #cancel}; completing an unknown or
   * finished ticket does nothing.
   */
  public void complete(long ticket, Outcome outcome, long upstreamNanos) {
    if (ticket < 0 || (closed && ring != null)) {
      return;
    }
    if (ring == null) {
      long now = clock.getAsLong();
      core.complete(ticket, outcome, upstreamNanos, now);
      core.maybeTick(now);
      return;
    }
    long seq = ring.next();
    ring.get(seq).completion(ticket, outcome, upstreamNanos);
    ring.publish(seq);
  }

  /**
   * The client went away. A queued ticket leaves its queue at once and its callback is not called
   * any more; a dispatched ticket frees its permit at once. Unknown or finished tickets are
   * ignored.
   */
  public void cancel(long ticket) {
    if (ticket < 0 || (closed && ring != null)) {
      return;
    }
    if (ring == null) {
      long now = clock.getAsLong();
      core.cancel(ticket, now);
      core.maybeTick(now);
      return;
    }
    long seq = ring.next();
    ring.get(seq).cancellation(ticket);
    ring.publish(seq);
  }

  /**
   * Applies a new configuration without dropping queued or in-flight requests: a lowered limit
   * drains naturally, a raised one dispatches queued work at once. The ring size and idle strategy
   * of a running controller do not change.
   */
  public void reload(AdmissionConfig next) {
    Objects.requireNonNull(next, "config");
    this.config = next;
    if (ring == null) {
      core.reload(next, clock.getAsLong());
      return;
    }
    if (closed) {
      return;
    }
    long seq = ring.next();
    RingEvent ev = ring.get(seq);
    ev.kind = RingEvent.RELOAD;
    ev.target = next;
    ring.publish(seq);
  }

  /**
   * A reading of the model server's saturation gauges (scraped elsewhere).
   *
   * @param waitingRequests requests waiting inside the engine (e.g. vLLM's {@code
   *     num_requests_waiting})
   * @param kvCacheUsage KV-cache use, 0..1
   * @param sampledAtNanos when it was read, on this controller's clock
   */
  public void updateEngineSignal(
      String model, int waitingRequests, double kvCacheUsage, long sampledAtNanos) {
    Objects.requireNonNull(model, "model");
    if (closed && ring != null) {
      return;
    }
    if (ring == null) {
      core.engineSignal(model, waitingRequests, kvCacheUsage, sampledAtNanos, clock.getAsLong());
      return;
    }
    long seq = ring.next();
    ring.get(seq).engine(model, waitingRequests, kvCacheUsage, sampledAtNanos);
    ring.publish(seq);
  }

  /**
   * Replaces the concurrency limit of one model (or, with an empty name, of every model) until
   * {@code expiresAtNanos}; then the policy's own limit (static or adaptive) applies again. A
   * limit of 0 clears an override at once. A lowered limit drains naturally; a raised one
   * dispatches queued work at once. The adaptive limit keeps learning underneath.
   *
   * @param model the folded model name, or {@code ""} for all
   * @param limit the limit to enforce, {@code >= 0}
   * @param expiresAtNanos when it lapses, on this controller's clock
   */
  public void overrideLimit(String model, int limit, long expiresAtNanos) {
    Objects.requireNonNull(model, "model");
    if (limit < 0) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: >= 0)");
    }
    if (closed && ring != null) {
      return;
    }
    if (ring == null) {
      core.overrideLimit(model, limit, expiresAtNanos, clock.getAsLong());
      return;
    }
    long seq = ring.next();
    RingEvent ev = ring.get(seq);
    ev.kind = RingEvent.LIMIT;
    ev.model = model;
    ev.code = limit;
    ev.a = expiresAtNanos;
    ring.publish(seq);
  }

  /**
   * The model server's readiness (from the sidecar's readiness probe). With {@code
   * admission.upstreamHoldMs} set, dispatch waits while it is not ready; any thread.
   */
  public void upstreamReady(boolean ready) {
    if (closed && ring != null) {
      return;
    }
    if (ring == null) {
      core.upstreamReady(ready, clock.getAsLong());
      return;
    }
    long seq = ring.next();
    RingEvent ev = ring.get(seq);
    ev.kind = RingEvent.UPSTREAM;
    ev.code = ready ? 1 : 0;
    ring.publish(seq);
  }

  /**
   * Starts draining: later arrivals are refused with {@link RejectReason#DRAINING}; queued and
   * in-flight requests are still served. Use before {@link #close} for a graceful stop.
   */
  public void drain() {
    if (closed && ring != null) {
      return;
    }
    if (ring == null) {
      core.drain(false, clock.getAsLong());
      return;
    }
    long seq = ring.next();
    RingEvent ev = ring.get(seq);
    ev.kind = RingEvent.DRAIN;
    ring.publish(seq);
  }

  /**
   * Ends a temporary {@link #drain}: later arrivals are admitted again. Does nothing after {@link
   * #close}.
   */
  public void resume() {
    if (closed) {
      return;
    }
    if (ring == null) {
      core.resume();
      return;
    }
    long seq = ring.next();
    RingEvent ev = ring.get(seq);
    ev.kind = RingEvent.RESUME;
    ring.publish(seq);
  }

  /** The latest published snapshot (refreshed every {@code snapshotIntervalMs}). Any thread. */
  public AdmissionSnapshot snapshot() {
    return core.published();
  }

  /** Asks the admission thread for a fresh snapshot, completed on that thread. */
  public CompletableFuture<AdmissionSnapshot> refreshSnapshot() {
    if (ring == null) {
      return CompletableFuture.completedFuture(core.publishSnapshot(clock.getAsLong()));
    }
    if (closed) {
      return CompletableFuture.completedFuture(core.published());
    }
    CompletableFuture<AdmissionSnapshot> f = new CompletableFuture<>();
    long seq = ring.next();
    RingEvent ev = ring.get(seq);
    ev.kind = RingEvent.SNAPSHOT;
    ev.target = f;
    ring.publish(seq);
    return f;
  }

  /** Runs the timer now (inline mode; the threaded consumer runs it by itself). */
  public void runTimers() {
    if (ring == null) {
      core.tick(clock.getAsLong());
    }
  }

  /** The configuration last given (may not be applied yet by the admission thread). */
  public AdmissionConfig config() {
    return config;
  }

  /**
   * Stops: queued requests are refused with {@link RejectReason#DRAINING}, later submits are
   * refused on the caller's thread, and the admission thread ends once the ring is drained.
   * Tickets still in flight need no {@code complete} any more: after close, {@code complete},
   * {@code cancel}, {@code reload}, {@code updateEngineSignal} and {@code drain} do nothing (they
   * never block on the stopped ring). A submit racing with close may be neither admitted nor
   * refused; stop the edges first.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (ring == null) {
      core.drain(true, clock.getAsLong());
      return;
    }
    long seq = ring.next();
    ring.get(seq).kind = RingEvent.CLOSE;
    ring.publish(seq);
    try {
      disruptor.shutdown(5, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      log.warn("admission ring did not drain within 5 s; halting");
      disruptor.halt();
    }
  }

  /** A model's gate and its name: immutable, so a racy read sees a whole one. */
  private record CachedGate(String model, ArrivalGate gate) {}

  /** The gate last looked up by any producer: most requests name the model of the one before. */
  private CachedGate lastGate;

  private ArrivalGate gateOf(String model) {
    CachedGate c = lastGate;
    if (c != null && (c.model() == model || c.model().equals(model))) {
      return c.gate();
    }
    ArrivalGate g = core.gate(model);
    if (g != null) {
      lastGate = new CachedGate(model, g);
    }
    return g;
  }

  /** The admission thread, once started (for CPU accounting). */
  Thread consumerThread() {
    return consumerThread;
  }

  AdmissionCore core() {
    return core;
  }

  private void refuseHere(
      String model, Priority priority, RejectReason reason, AdmissionCallback callback) {
    Priority p = priority != null ? priority : config.defaultPriority(model);
    boolean draining = reason == RejectReason.DRAINING;
    long retry = draining ? 60_000 : retryAfterMillis(snapshot(), model, p);
    // A full ring refuses at the producers' full rate, so the refusal is reused while model and
    // Retry-After stay the same instead of allocated per request. The cache is written by any
    // producer without a lock: a Rejection is immutable (final fields), so a racing reader sees
    // either a complete one or another, both valid.
    int slot = (draining ? 3 : 0) + p.ordinal();
    Rejection r = refusedHere[slot];
    if (r == null || r.reason() != reason || r.retryAfterMillis() != retry || !r.model().equals(model)) {
      r = new Rejection(reason, p, model, retry);
      refusedHere[slot] = r;
    }
    callback.onRejected(NO_TICKET, r);
  }

  /**
   * {@code Retry-After} for a refusal on the caller's thread (ring full), which cannot read the
   * consumer's state: the same rule as the core's ({@link AdmissionCore#retryAfterSeconds}) over
   * the class's depth and drain rate in the latest published snapshot (at most {@code
   * snapshotIntervalMs} old); 1 s for a model not in it yet.
   */
  static long retryAfterMillis(AdmissionSnapshot s, String model, Priority p) {
    AdmissionSnapshot.Model m = s.models().get(model);
    if (m == null) {
      return 1_000;
    }
    AdmissionSnapshot.Class c = m.of(p);
    return AdmissionCore.retryAfterSeconds(c.queueDepth(), c.admitRate()) * 1_000L;
  }

  /** The ring's single consumer: copies each event out, hands it to the core, clears it. */
  private final class Handler implements EventHandler<RingEvent> {
    private final CountDownLatch started = new CountDownLatch(1);
    /** The blocking wait strategy, or {@code null} when the consumer busy-spins. */
    private final SpinThenBlockWaitStrategy wait;
    private long now;

    Handler(SpinThenBlockWaitStrategy wait) {
      this.wait = wait;
    }

    @Override
    public void onStart() {
      consumerThread = Thread.currentThread();
      now = clock.getAsLong();
      started.countDown();
    }

    @Override
    public void onBatchStart(long batchSize, long queueDepth) {
      now = clock.getAsLong();
    }

    @Override
    public void onEvent(RingEvent ev, long sequence, boolean endOfBatch) {
      try {
        switch (ev.kind) {
          case RingEvent.ARRIVAL -> core.arrive(
              sequence, ev.model, ev.priority(), ev.a, ev.tenant, ev.b,
              (AdmissionCallback) ev.target, ev.c, Math.max(now, ev.c));
          case RingEvent.COMPLETE -> core.complete(ev.ticket(), ev.outcome(), ev.a, now);
          case RingEvent.CANCEL -> core.cancel(ev.ticket(), now);
          case RingEvent.RELOAD -> core.reload((AdmissionConfig) ev.target, now);
          case RingEvent.ENGINE -> core.engineSignal(ev.model, ev.code, ev.kvUsage(), ev.a, now);
          case RingEvent.SNAPSHOT -> snapshotFuture(ev).complete(core.publishSnapshot(now));
          case RingEvent.LIMIT -> core.overrideLimit(ev.model, ev.code, ev.a, now);
          case RingEvent.DRAIN -> core.drain(false, now);
          case RingEvent.RESUME -> core.resume();
          case RingEvent.UPSTREAM -> core.upstreamReady(ev.code != 0, now);
          case RingEvent.CLOSE -> core.drain(true, now);
          default -> log.warn("admission ring event of unknown kind {}", ev.kind);
        }
      } finally {
        ev.clear();
      }
      if (endOfBatch) {
        afterWork();
      }
    }

    @SuppressWarnings("unchecked")
    private CompletableFuture<AdmissionSnapshot> snapshotFuture(RingEvent ev) {
      return (CompletableFuture<AdmissionSnapshot>) ev.target;
    }

    @Override
    public void onTimeout(long sequence) {
      now = clock.getAsLong();
      afterWork();
    }

    /**
     * The timer, the gates, and when to wake next if a HIGH request's overcommit wait runs out
     * before the next tick.
     */
    private void afterWork() {
      core.maybeTick(now);
      core.updateGates(now);
      if (wait != null) {
        wait.wakeWithin(core.nanosUntilOvercommitDue(now));
      }
    }
  }

  /** Logs and continues: one bad event must never stop the admission thread. */
  private static final class LogAndContinue implements ExceptionHandler<RingEvent> {
    @Override
    public void handleEventException(Throwable ex, long sequence, RingEvent event) {
      log.error("admission event {} failed; continuing", sequence, ex);
    }

    @Override
    public void handleOnStartException(Throwable ex) {
      log.error("admission thread failed to start", ex);
    }

    @Override
    public void handleOnShutdownException(Throwable ex) {
      log.error("admission thread failed to shut down cleanly", ex);
    }
  }
}
