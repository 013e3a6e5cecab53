package ai.aim.proxy.admission;

import ai.aim.proxy.metrics.Outcome;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission state machine. Single-threaded: every method must be called from one thread (the
 * ring's consumer, or a test playing it). Each method takes the current time, so tests drive it
 * with any clock.
 *
 * <p>Invariants after every call: a request is queued only when its class cannot be dispatched
 * (so no dispatchable work waits); in-flight permits were below the limit (for HIGH, below the
 * limit plus {@code highOvercommit}), the non-HIGH ones below {@code limit - reserve} and each
 * class below its ceiling at each dispatch; every ticket
 * got at most one callback, and a cancelled or completed ticket gets none afterwards.
 *
 * <p>Steady state allocates nothing: nodes are pooled, tickets live in an open-addressing table,
 * queues are intrusive lists and refusals are interned.
 */
final class AdmissionCore {
  private static final Logger log = LoggerFactory.getLogger(AdmissionCore.class);
  private static final RejectReason[] REASONS = RejectReason.values();

  private AdmissionConfig config;
  /**
   * Whether some policy of the configuration has {@code highOvercommitAfterMs}: without one, the
   * checks after each batch skip the models.
   */
  private boolean overcommitWaits;
  private final HashMap<String, ModelState> models = new HashMap<>();
  private final ArrayList<ModelState> modelList = new ArrayList<>();
  /** Each model's arrival gate, for producers ({@link #gate}); written on the admission thread. */
  private final ConcurrentHashMap<String, ArrivalGate> gates = new ConcurrentHashMap<>();
  /** The model the last look-up found (models are never removed). */
  private ModelState lastModel;
  private final NodePool pool = new NodePool(1024);
  private final TicketTable tickets = new TicketTable(4096);
  private boolean draining;
  /** The model server's readiness as last reported (assumed ready until told otherwise). */
  private boolean upstreamReady = true;
  private long lastTick;
  private long lastSnapshot;
  private long callbackFailures;
  private long unknownTickets;
  private volatile AdmissionSnapshot published;

  AdmissionCore(AdmissionConfig config, long now) {
    this.config = config;
    this.overcommitWaits = overcommitWaits(config);
    this.lastTick = now;
    this.lastSnapshot = now;
    this.published = AdmissionSnapshot.empty(now);
  }

  // ---- events ---------------------------------------------------------------------------

  /**
   * An arrival. Dispatches it at once when its class has a free permit and nothing that should go
   * first is waiting, else queues it, else refuses it.
   *
   * @param priority the class, or null for the model's default
   */
  void arrive(
      long ticket,
      String model,
      Priority priority,
      long deadline,
      String tenant,
      long cost,
      AdmissionCallback callback,
      long arrivalNanos,
      long now) {
    ModelState m = model(model, now);
    Priority p = priority != null ? priority : m.policy.defaultPriority();
    Band band = m.bands[p.ordinal()];
    band.arrivals++;
    band.arrivalRate.mark();
    if (draining) {
      reject(m, band, ticket, callback, RejectReason.DRAINING);
      return;
    }
    if (deadline <= now) {
      reject(m, band, ticket, callback, RejectReason.DEADLINE_EXPIRED);
      return;
    }
    int b = band.index;
    if (dispatchesNow(m, band, now)) {
      Node n = newNode(ticket, m, band, tenant, cost, deadline, arrivalNanos, callback);
      dispatch(n, now);
      return;
    }
    RejectReason refusal = queueRefusal(m, band, now);
    if (refusal != null) {
      if (refusal != RejectReason.OUTRANKED) {
        band.overflowAt = now;
      }
      reject(m, band, ticket, callback, refusal);
      return;
    }
    if (deadline != AdmissionController.NO_DEADLINE && unmeetable(m, b, deadline, now)) {
      reject(m, band, ticket, callback, RejectReason.DEADLINE_UNMEETABLE);
      return;
    }
    Node n = newNode(ticket, m, band, tenant, cost, deadline, arrivalNanos, callback);
    n.state = Node.QUEUED;
    if (band.depth == 0) {
      // A class that becomes backlogged starts at the current pass, not with saved-up credit.
      band.pass = Math.max(band.pass, m.globalPass);
    }
    band.enqueue(n);
  }

  /**
   * The request ended upstream. Frees its permit, feeds the service-time estimate and the
   * adaptive limit, and dispatches what now may go. A completed queued ticket is removed like a
   * cancelled one; an unknown (already finished) ticket is ignored.
   */
  void complete(long ticket, Outcome outcome, long upstreamNanos, long now) {
    // One probe of the ticket table finds and removes the ticket.
    Node n = tickets.remove(ticket);
    if (n == null) {
      unknownTickets++;
      return;
    }
    ModelState m = n.model;
    if (n.state == Node.INFLIGHT) {
      int inflightBefore = m.inflight;
      release(n);
      if (upstreamNanos > 0 && (outcome == Outcome.OK || outcome == Outcome.CLIENT_ERROR)) {
        m.sampleService(upstreamNanos);
        GradientLimit g = m.adaptiveLimit();
        if (g != null) {
          g.onSample(upstreamNanos, inflightBefore);
        }
      }
      m.refill = inflightBefore > m.limit();
    } else {
      unqueue(n);
    }
    pump(m, now);
    m.refill = false;
  }

  /**
   * The client went away. A queued ticket leaves the queue at once and gets no callback; a
   * dispatched one frees its permit at once.
   */
  void cancel(long ticket, long now) {
    Node n = tickets.remove(ticket);
    if (n == null) {
      unknownTickets++;
      return;
    }
    ModelState m = n.model;
    if (n.state == Node.INFLIGHT) {
      m.refill = m.inflight > m.limit();
      release(n);
    } else {
      unqueue(n);
    }
    pump(m, now);
    m.refill = false;
  }

  /** Applies a new configuration; queued and in-flight requests stay. */
  void reload(AdmissionConfig next, long now) {
    this.config = next;
    this.overcommitWaits = overcommitWaits(next);
    for (int i = 0; i < modelList.size(); i++) {
      ModelState m = modelList.get(i);
      m.apply(next.policyFor(m.name), now);
      m.refreshEngine(now);
      pump(m, now);
    }
  }

  /** A fresh reading of the model server's saturation gauges. */
  void engineSignal(String model, int waiting, double kvUsage, long sampledAt, long now) {
    ModelState m = model(model, now);
    m.signal(waiting, kvUsage, sampledAt);
    if (m.refreshEngine(now)) {
      pump(m, now);
    }
  }

  /**
   * Replaces the limit of {@code model} (empty: every configured and every seen model) with
   * {@code limit} until {@code until}; a limit of 0 clears an override. Returns whether any model
   * took it.
   */
  boolean overrideLimit(String model, int limit, long until, long now) {
    List<ModelState> targets = new ArrayList<>();
    if (model.isEmpty()) {
      for (String name : config.models().keySet()) {
        model(name, now);
      }
      targets.addAll(modelList);
    } else {
      targets.add(model(model, now));
    }
    for (ModelState m : targets) {
      m.overrideLimit(limit, until);
      pump(m, now);
    }
    return !targets.isEmpty();
  }

  /**
   * Stops taking new work: later arrivals are refused with {@link RejectReason#DRAINING}; with
   * {@code rejectQueued} the queued ones are refused too, else they are still served.
   */
  void drain(boolean rejectQueued, long now) {
    draining = true;
    if (rejectQueued) {
      for (int i = 0; i < modelList.size(); i++) {
        ModelState m = modelList.get(i);
        for (Band band : m.bands) {
          while (band.oldest != null) {
            Node n = band.oldest;
            refuseQueued(n, RejectReason.DRAINING);
          }
        }
      }
    }
  }

  /** Ends a temporary drain: arrivals are admitted again. */
  void resume() {
    draining = false;
  }

  /**
   * Runs the timer if a tick period has passed since the last run; else dispatches the HIGH
   * requests whose overcommit wait ({@code highOvercommitAfterMs}) has just run out, so that wait
   * is kept to the batch, not to the tick.
   */
  void maybeTick(long now) {
    if (now - lastTick >= config.tickMillis() * 1_000_000L) {
      tick(now);
      return;
    }
    if (!overcommitWaits) {
      return;
    }
    for (int i = 0; i < modelList.size(); i++) {
      ModelState m = modelList.get(i);
      if (m.overcommitWaitNanos(now) == 0) {
        pump(m, now);
      }
    }
  }

  private static boolean overcommitWaits(AdmissionConfig c) {
    if (waitsForOvercommit(c.defaults())) {
      return true;
    }
    for (ModelPolicy p : c.models().values()) {
      if (waitsForOvercommit(p)) {
        return true;
      }
    }
    return false;
  }

  private static boolean waitsForOvercommit(ModelPolicy p) {
    return p.highOvercommit() > 0 && p.highOvercommitAfterMillis() > 0;
  }

  /**
   * Nanoseconds until the oldest queued HIGH request of some model has waited its {@code
   * highOvercommitAfterMs} with room beyond the limit (0 if one already has), or {@code
   * Long.MAX_VALUE} when none waits for that: the admission thread wakes for it without waiting
   * for the tick.
   */
  long nanosUntilOvercommitDue(long now) {
    long soonest = Long.MAX_VALUE;
    if (!overcommitWaits) {
      return soonest;
    }
    for (int i = 0; i < modelList.size(); i++) {
      soonest = Math.min(soonest, modelList.get(i).overcommitWaitNanos(now));
    }
    return soonest;
  }

  /**
   * The model server's readiness changed. With {@code upstreamHoldMillis} set, a model server that
   * is not ready holds every dispatch (requests queue, up to the hold); once it is ready the queues
   * drain in the usual order. Without the setting this only records the state.
   */
  void upstreamReady(boolean ready, long now) {
    upstreamReady = ready;
    if (!upstreamHeld()) {
      for (int i = 0; i < modelList.size(); i++) {
        pump(modelList.get(i), now);
      }
    }
  }

  /**
   * True while dispatch waits for the model server: it is not ready and {@code upstreamHoldMillis}
   * is set. Requests then wait in their queues up to the hold, then get {@link
   * RejectReason#UPSTREAM_NOT_READY}. (A reload that turns the hold off pumps every model anyway.)
   */
  boolean upstreamHeld() {
    return !upstreamReady && config.upstreamHoldMillis() > 0;
  }

  /**
   * The timer: queue-wait and deadline expiry, rate windows, engine staleness and recovery, and
   * the periodic snapshot.
   */
  void tick(long now) {
    lastTick = now;
    long window = config.rateWindowMillis() * 1_000_000L;
    double alpha = config.rateAlpha();
    for (int i = 0; i < modelList.size(); i++) {
      ModelState m = modelList.get(i);
      for (Band band : m.bands) {
        expire(m, band, now);
        band.arrivalRate.roll(now, window, alpha);
        band.admitRate.roll(now, window, alpha);
        band.shedRate.roll(now, window, alpha);
      }
      m.expireOverride(now);
      m.refreshEngine(now);
      pump(m, now);
    }
    if (now - lastSnapshot >= config.snapshotIntervalMillis() * 1_000_000L) {
      publishSnapshot(now);
    }
  }

  // ---- decisions ------------------------------------------------------------------------

  /** Dispatches queued requests of {@code m} while some class may go. */
  private void pump(ModelState m, long now) {
    // Nothing queued (the common case for a completion): no class to pick from.
    if (m.queued() == 0) {
      return;
    }
    while (!upstreamHeld()) {
      int b = pick(m, now);
      if (b < 0) {
        return;
      }
      Band band = m.bands[b];
      Node n = takeFrom(m, band, now);
      band.remove(n);
      if (n.deadline <= now) {
        refuse(n, RejectReason.DEADLINE_EXPIRED);
        continue;
      }
      if (m.policy.scheduling() == SchedulingMode.WEIGHTED) {
        int w = m.policy.priorities().get(b).weight();
        band.pass += 1.0 / w;
        m.globalPass = band.pass;
      }
      dispatch(n, now);
      m.refill = false;
    }
  }

  /** The class to serve next, or -1 when no queued class may be dispatched. */
  private int pick(ModelState m, long now) {
    if (m.inflight >= m.bound(0, m.limit())) {
      return -1;
    }
    switch (m.policy.scheduling()) {
      case STRICT:
        for (int b = 0; b < 3; b++) {
          if (m.bands[b].depth > 0 && m.canDispatch(b, now)) {
            return b;
          }
        }
        return -1;
      case AGING:
        {
          int best = -1;
          int bestEffective = Integer.MAX_VALUE;
          long aging = m.policy.agingMillis() * 1_000_000L;
          for (int b = 0; b < 3; b++) {
            Band band = m.bands[b];
            if (band.depth == 0 || !m.canDispatch(b, now)) {
              continue;
            }
            int effective = effectivePriority(b, now - band.oldest.arrival, aging);
            if (effective < bestEffective) {
              best = b;
              bestEffective = effective;
            }
          }
          return best;
        }
      case WEIGHTED:
        {
          int best = -1;
          for (int b = 0; b < 3; b++) {
            Band band = m.bands[b];
            if (band.depth > 0 && m.canDispatch(b, now) && (best < 0 || band.pass < m.bands[best].pass)) {
              best = b;
            }
          }
          return best;
        }
      default:
        throw new IllegalStateException("scheduling " + m.policy.scheduling());
    }
  }

  static int effectivePriority(int b, long waitedNanos, long agingNanos) {
    long raised = waitedNanos / agingNanos;
    return (int) Math.max(0, b - Math.min(raised, 2));
  }

  /**
   * In AGING, a class served because its oldest request aged serves that oldest request; so does
   * HIGH going beyond the limit because its oldest request waited {@code highOvercommitAfterMs}.
   */
  private Node takeFrom(ModelState m, Band band, long now) {
    if (band.index == 0 && m.policy.highOvercommitAfterMillis() > 0 && m.inflight >= m.limit()) {
      return band.oldest;
    }
    if (m.policy.scheduling() == SchedulingMode.AGING) {
      long aging = m.policy.agingMillis() * 1_000_000L;
      if (effectivePriority(band.index, now - band.oldest.arrival, aging) < band.index) {
        return band.oldest;
      }
    }
    return band.peekFair();
  }

  /**
   * Whether a request that would queue in class {@code b} is refused at once because a higher
   * class is overflowing ({@link ModelPolicy#shedWhileHigherOverflows()}): under strict priority
   * a class is served only when every higher queue is empty, and a higher class that refused
   * requests for a full queue or an expired wait within this class's maximum wait, and still has
   * a queue, will not be empty before this request's wait runs out, except by luck. Refusing now
   * tells the client at once instead of after the maximum wait.
   */
  private static boolean outranked(ModelState m, int b, long now) {
    if (b == 0 || !m.policy.shedWhileHigherOverflows()
        || m.policy.scheduling() != SchedulingMode.STRICT) {
      return false;
    }
    long maxWait = m.policy.priorities().get(b).maxQueueWaitMillis() * 1_000_000L;
    if (maxWait <= 0) {
      return false;
    }
    for (int i = 0; i < b; i++) {
      Band higher = m.bands[i];
      if (higher.depth > 0 && higher.overflowAt != Band.NEVER && now - higher.overflowAt < maxWait) {
        return true;
      }
    }
    return false;
  }

  /**
   * Predicts the completion of a request about to queue in class {@code b}: the requests queued
   * ahead (its class and all higher ones) plus itself leave at {@code limit / serviceTime} per
   * unit of time, then it takes one service time.
   */
  private boolean unmeetable(ModelState m, int b, long deadline, long now) {
    double service = m.predictedServiceNanos();
    if (service <= 0) {
      return false;
    }
    int ahead = 0;
    for (int i = 0; i <= b; i++) {
      ahead += m.bands[i].depth;
    }
    int limit = Math.max(1, b == 0 ? m.limit() : m.effectiveCeiling(b));
    double wait = (ahead + 1) * service / limit;
    return now + wait + service > deadline;
  }

  private void dispatch(Node n, long now) {
    ModelState m = n.model;
    Band band = n.band;
    band.onDispatch(n);
    n.state = Node.INFLIGHT;
    m.inflight++;
    band.inflight++;
    if (band.index != 0) {
      m.inflightNonHigh++;
    } else if (m.inflight > m.limit()) {
      m.highOvercommitted++;
    }
    band.admitted++;
    band.admitRate.mark();
    long wait = Math.max(0, now - n.arrival);
    try {
      n.callback.onAdmitted(n.ticket, wait);
    } catch (RuntimeException e) {
      callbackFailed(e);
    }
  }

  private Node newNode(
      long ticket,
      ModelState m,
      Band band,
      String tenant,
      long cost,
      long deadline,
      long arrival,
      AdmissionCallback cb) {
    Node n = pool.acquire();
    n.ticket = ticket;
    n.model = m;
    n.band = band;
    n.tenant = m.tenant(tenant);
    n.cost = Math.max(1, cost);
    n.deadline = deadline;
    n.arrival = arrival;
    n.callback = cb;
    tickets.put(ticket, n);
    return n;
  }

  /** Frees the permit of an in-flight node already removed from the ticket table. */
  private void release(Node n) {
    ModelState m = n.model;
    m.inflight--;
    n.band.inflight--;
    if (n.band.index != 0) {
      m.inflightNonHigh--;
    }
    pool.release(n);
  }

  /** Unlinks a queued node already removed from the ticket table. */
  private void unqueue(Node n) {
    n.band.remove(n);
    pool.release(n);
  }

  private void refuseQueued(Node n, RejectReason reason) {
    n.band.remove(n);
    refuse(n, reason);
  }

  /** Refuses an already unlinked node and returns it to the pool. */
  private void refuse(Node n, RejectReason reason) {
    ModelState m = n.model;
    Band band = n.band;
    long ticket = n.ticket;
    AdmissionCallback cb = n.callback;
    tickets.remove(ticket);
    pool.release(n);
    reject(m, band, ticket, cb, reason);
  }

  private void reject(
      ModelState m, Band band, long ticket, AdmissionCallback cb, RejectReason reason) {
    band.shed[reason.ordinal()]++;
    band.shedRate.mark();
    Rejection r = band.rejection(reason, m.name, retryAfterSeconds(band.depth, band.admitRate.rate()));
    try {
      cb.onRejected(ticket, r);
    } catch (RuntimeException e) {
      callbackFailed(e);
    }
  }

  /**
   * Seconds until a retry has a fair chance: the queue's depth divided by its drain rate
   * (dispatches per second), rounded up, clamped to [1, 60]. With no measured drain rate, 1 s for
   * an empty queue and 60 s otherwise.
   */
  static int retryAfterSeconds(int depth, double drainPerSecond) {
    if (depth <= 0) {
      return 1;
    }
    if (drainPerSecond <= 0) {
      return 60;
    }
    double s = Math.ceil(depth / drainPerSecond);
    return (int) Math.max(1, Math.min(60, s));
  }

  private void expire(ModelState m, Band band, long now) {
    boolean held = upstreamHeld();
    if (held) {
      // While the model server starts, the hold replaces the class's queue wait.
      long hold = config.upstreamHoldMillis() * 1_000_000L;
      while (band.oldest != null && now - band.oldest.arrival >= hold) {
        refuseQueued(band.oldest, RejectReason.UPSTREAM_NOT_READY);
      }
    }
    long maxWait = m.policy.priorities().get(band.index).maxQueueWaitMillis() * 1_000_000L;
    if (maxWait > 0 && !held) {
      while (band.oldest != null && now - band.oldest.arrival >= maxWait) {
        band.overflowAt = now;
        refuseQueued(band.oldest, m.heldByEngine(band.index)
            ? RejectReason.ENGINE_SATURATED : RejectReason.QUEUE_TIMEOUT);
      }
    }
    if (band.withDeadline > 0) {
      Node n = band.oldest;
      while (n != null) {
        Node next = n.bNext;
        if (n.deadline <= now) {
          refuseQueued(n, RejectReason.DEADLINE_EXPIRED);
        }
        n = next;
      }
    }
  }

  private void callbackFailed(RuntimeException e) {
    if (callbackFailures++ % 1000 == 0) {
      log.warn("admission callback threw (failures so far: {})", callbackFailures, e);
    }
  }

  private ModelState model(String name, long now) {
    // Most events name the model of the event before (a sidecar serves one model): comparing with
    // it skips hashing the name, which a name parsed per request has not cached.
    ModelState m = lastModel;
    if (m != null && (m.name == name || m.name.equals(name))) {
      return m;
    }
    m = models.get(name);
    if (m == null) {
      m = new ModelState(name, config.policyFor(name), now);
      models.put(name, m);
      modelList.add(m);
      gates.put(name, m.gate);
    }
    lastModel = m;
    return m;
  }

  /** The arrival gate of a model the core has seen, or {@code null}. Any thread. */
  ArrivalGate gate(String model) {
    return gates.get(model);
  }

  /**
   * Folds the refusals producers made at the gates into the core's counters, rates and overflow
   * times, then sets each gate from the current state. Admission thread, after each batch of
   * events and each timer check.
   */
  void updateGates(long now) {
    for (int i = 0; i < modelList.size(); i++) {
      ModelState m = modelList.get(i);
      ArrivalGate g = m.gate;
      for (int b = 0; b < 3; b++) {
        Band band = m.bands[b];
        fold(g, band, RejectReason.QUEUE_FULL, true, now);
        fold(g, band, RejectReason.ENGINE_SATURATED, true, now);
        fold(g, band, RejectReason.OUTRANKED, false, now);
        g.set(b, gateRefusal(m, b, now));
      }
    }
  }

  private static void fold(ArrivalGate g, Band band, RejectReason r, boolean overflow, long now) {
    long n = g.takeRefused(band.index, r);
    if (n == 0) {
      return;
    }
    band.arrivals += n;
    band.arrivalRate.mark(n);
    band.shed[r.ordinal()] += n;
    band.shedRate.mark(n);
    if (overflow) {
      band.overflowAt = now;
    }
  }

  /**
   * The refusal {@link #arrive} would give an arrival of class {@code b} now without looking at
   * the request itself (its deadline aside), or {@code null} when it would dispatch, queue, or
   * needs the request to decide.
   */
  private RejectReason gateRefusal(ModelState m, int b, long now) {
    Band band = m.bands[b];
    return draining || dispatchesNow(m, band, now) ? null : queueRefusal(m, band, now);
  }

  /** Whether an arrival in {@code band} is dispatched at once (nothing queued ahead, a permit). */
  private boolean dispatchesNow(ModelState m, Band band, long now) {
    return band.depth == 0 && !upstreamHeld() && m.canDispatch(band.index, now);
  }

  /**
   * Why an arrival that cannot be dispatched at once is refused instead of queued, or {@code
   * null} when it queues: its class's queue is full (a full queue behind a saturated model server
   * says so, since the cause is the engine, not load this sidecar sees), or it would queue behind
   * an overflowing higher class.
   */
  private RejectReason queueRefusal(ModelState m, Band band, long now) {
    int b = band.index;
    if (band.depth >= m.policy.priorities().get(b).maxQueue()) {
      return m.heldByEngine(b) ? RejectReason.ENGINE_SATURATED : RejectReason.QUEUE_FULL;
    }
    return outranked(m, b, now) ? RejectReason.OUTRANKED : null;
  }

  // ---- snapshots and views for tests ------------------------------------------------------

  /** Builds and publishes a snapshot (allocates; called at most once per interval or on demand). */
  AdmissionSnapshot publishSnapshot(long now) {
    lastSnapshot = now;
    Map<String, AdmissionSnapshot.Model> out = new HashMap<>();
    for (ModelState m : modelList) {
      List<AdmissionSnapshot.Class> classes = new ArrayList<>(3);
      for (Band band : m.bands) {
        Map<RejectReason, Long> shed = new EnumMap<>(RejectReason.class);
        for (RejectReason r : REASONS) {
          shed.put(r, band.shed[r.ordinal()]);
        }
        classes.add(
            new AdmissionSnapshot.Class(
                band.priority,
                band.depth,
                band.inflight,
                m.effectiveCeiling(band.index),
                band.admitted,
                shed,
                band.arrivalRate.rate(),
                band.admitRate.rate(),
                band.shedRate.rate()));
      }
      out.put(
          m.name,
          new AdmissionSnapshot.Model(
              m.name,
              m.limit(),
              m.reserve(),
              m.inflight,
              m.serviceSamples == 0 ? 0 : m.serviceNanos / 1e6,
              m.engineRestricting(),
              classes,
              engineView(m, now),
              m.overrideLimit(),
              m.highOvercommitted));
    }
    AdmissionSnapshot s = new AdmissionSnapshot(now, out);
    published = s;
    return s;
  }

  private static AdmissionSnapshot.Engine engineView(ModelState m, long now) {
    if (!m.engineEnabled) {
      return AdmissionSnapshot.Engine.DISABLED;
    }
    return new AdmissionSnapshot.Engine(
        true,
        m.hasSignal,
        m.engineWaiting,
        m.engineKv,
        m.hasSignal ? Math.max(0, now - m.signalAt) / 1e9 : Double.NaN,
        m.engineStale);
  }

  AdmissionSnapshot published() {
    return published;
  }

  AdmissionConfig config() {
    return config;
  }

  ModelState modelState(String name) {
    return models.get(name);
  }

  int outstandingTickets() {
    return tickets.size();
  }

  long callbackFailures() {
    return callbackFailures;
  }

  long unknownTickets() {
    return unknownTickets;
  }

  int nodesCreated() {
    return pool.created();
  }
}
