package ai.aim.proxy.admission;

import java.util.HashMap;

/**
 * Everything the admission thread knows about one model: its policy, the three class queues,
 * the permits in use, the limit, the service-time estimate, the engine signal and the tenants.
 * Owned by the admission thread.
 */
final class ModelState {
  /** Tenant key for requests without one. */
  static final String DEFAULT_TENANT = "";
  /** Tenant key of the bucket that takes every tenant beyond {@code maxTenants}. */
  static final String OVERFLOW_TENANT = "\u0000overflow";

  final String name;
  ModelPolicy policy;
  final Band[] bands = new Band[3];
  /** Refusals producers may make without the ring; see {@link ArrivalGate}. */
  final ArrivalGate gate = new ArrivalGate();
  int inflight;
  int inflightNonHigh;
  /**
   * Set while the admission thread dispatches after a request that ran beyond the limit ended:
   * with {@code highOvercommitAfterMs}, one queued HIGH request may take its place without
   * waiting (see {@link #boundNow}).
   */
  boolean refill;
  /** HIGH requests dispatched beyond the limit since start. */
  long highOvercommitted;

  private GradientLimit adaptive;
  private int staticLimit;
  /**
   * Each class's {@code maxInflightShare}, copied from the policy by {@link #apply}: read on every
   * arrival, where going through the policy's list cost a chain of dependent loads.
   */
  private final double[] classShare = new double[3];
  /** A limit set from outside (the scheduler), or 0 for none; it replaces the policy's limit. */
  private int overrideLimit;
  /** When {@link #overrideLimit} lapses, on the admission clock. */
  private long overrideUntil;

  double serviceNanos;
  long serviceSamples;

  boolean engineEnabled;
  /** When signals were enabled: without any signal, staleness counts from here. */
  long engineSince;
  boolean hasSignal;
  /** Whether the last refresh found the signal older than {@code staleAfterMs}. */
  boolean engineStale;
  long signalAt;
  int engineWaiting;
  double engineKv;
  /** Engine ceiling per class as a share of the limit; HIGH stays at 1. */
  final double[] engineShare = {1, 1, 1};
  final long[] lastRaise = new long[3];

  private final HashMap<String, Tenant> tenants = new HashMap<>();
  private final Tenant defaultTenant;
  private final Tenant overflowTenant;
  /** Pass of the most recently served band, for WEIGHTED. */
  double globalPass;

  ModelState(String name, ModelPolicy policy, long now) {
    this.name = name;
    for (Priority p : Priority.values()) {
      bands[p.ordinal()] = new Band(p, now);
    }
    TenantPolicy tp = policy.tenants();
    defaultTenant = new Tenant(DEFAULT_TENANT, tp.defaultWeight());
    overflowTenant = new Tenant(OVERFLOW_TENANT, tp.defaultWeight());
    engineSince = now;
    apply(policy, now);
  }

  /** Applies a (new) policy without touching queued or in-flight requests. */
  void apply(ModelPolicy p, long now) {
    ModelPolicy old = this.policy;
    this.policy = p;
    for (int b = 0; b < 3; b++) {
      classShare[b] = p.priorities().get(b).maxInflightShare();
    }
    LimitPolicy lp = p.limit();
    if (lp.mode() == LimitPolicy.Mode.STATIC) {
      adaptive = null;
      staticLimit = lp.maxInflight();
    } else if (adaptive == null || old == null || !old.limit().equals(lp)) {
      double start = adaptive == null ? lp.maxInflight() : adaptive.estimate();
      adaptive = new GradientLimit(lp, start);
    }
    TenantPolicy tp = p.tenants();
    defaultTenant.weight = tp.defaultWeight();
    overflowTenant.weight = tp.defaultWeight();
    for (Tenant t : tenants.values()) {
      t.weight = tp.weightOf(t.key);
    }
    boolean wasEnabled = engineEnabled;
    engineEnabled = p.engine().enabled();
    if (engineEnabled && !wasEnabled) {
      engineSince = now;
    }
    if (!engineEnabled) {
      engineShare[1] = engineShare[2] = 1;
      engineStale = false;
    }
  }

  int limit() {
    if (overrideLimit > 0) {
      return overrideLimit;
    }
    return adaptive == null ? staticLimit : adaptive.limit();
  }

  /** Sets ({@code limit > 0}) or clears ({@code 0}) the override until {@code until}. */
  void overrideLimit(int limit, long until) {
    overrideLimit = Math.max(0, limit);
    overrideUntil = until;
  }

  /** The override in force, or 0. */
  int overrideLimit() {
    return overrideLimit;
  }

  /** Clears a lapsed override; returns whether it did. */
  boolean expireOverride(long now) {
    if (overrideLimit > 0 && now - overrideUntil >= 0) {
      overrideLimit = 0;
      return true;
    }
    return false;
  }

  GradientLimit adaptiveLimit() {
    return adaptive;
  }

  int reserve() {
    return policy.reserveFor(limit());
  }

  /**
   * Most in-flight requests class {@code b} may have now: the limit (for HIGH plus the overcommit,
   * unless a share below 1 caps it), minus the HIGH reserve for the lower classes, capped by the
   * class's share and the engine ceiling.
   */
  int ceiling(int b) {
    int limit = limit();
    int c = bound(b, limit);
    double share = classShare[b];
    if (share < 1.0) {
      c = Math.min(c, (int) Math.floor(limit * share));
    }
    if (b != 0 && engineEnabled) {
      c = Math.min(c, (int) Math.floor(limit * engineShare[b]));
    }
    return c;
  }

  /**
   * Most requests in flight at which class {@code b} may ever be dispatched: the limit, plus the
   * overcommit for HIGH.
   */
  int bound(int b, int limit) {
    return b == 0 ? limit + policy.highOvercommit() : limit;
  }

  /**
   * Most requests in flight at which class {@code b} may be dispatched now: {@link #bound}, except
   * that with {@code highOvercommitAfterMs} HIGH goes beyond the limit only once its oldest queued
   * request has waited that long, or in place of a request beyond the limit that just ended
   * ({@link #refill}). The engine gives the slot such a request leaves to one it holds (one it
   * preempted), so a HIGH request taking it there costs no preemption.
   */
  int boundNow(int b, int limit, long now) {
    if (b != 0 || policy.highOvercommit() == 0) {
      return limit;
    }
    boolean open = refill
        || policy.highOvercommitAfterMillis() == 0
        || overcommitWaitNanos(now) == 0;
    return open ? limit + policy.highOvercommit() : limit;
  }

  /**
   * How long until the oldest queued HIGH request has waited {@code highOvercommitAfterMs} (0 if it
   * has), or {@code Long.MAX_VALUE} when no HIGH request waits for that: no such wait is set, none
   * is queued, or the overcommit is full. The admission thread checks this after every batch of
   * events and wakes for it.
   */
  long overcommitWaitNanos(long now) {
    long after = policy.highOvercommitAfterMillis();
    int overcommit = policy.highOvercommit();
    if (after == 0 || overcommit == 0 || bands[0].depth == 0 || inflight >= limit() + overcommit) {
      return Long.MAX_VALUE;
    }
    return Math.max(0, bands[0].oldest.arrival + after * 1_000_000L - now);
  }

  /** Whether one more request of class {@code b} may be dispatched now. */
  boolean canDispatch(int b, long now) {
    int limit = limit();
    if (inflight >= boundNow(b, limit, now)) {
      return false;
    }
    if (b != 0 && inflightNonHigh >= limit - reserve()) {
      return false;
    }
    if (bands[b].inflight >= ceiling(b)) {
      return false;
    }
    // MEDIUM's engine ceiling bounds LOW too (LOW never takes what MEDIUM is held back from), so
    // a saturated engine cannot let LOW pass MEDIUM waiting at its ceiling.
    return b != 2 || !engineEnabled || engineShare[1] >= 1.0
        || bands[1].inflight + bands[2].inflight < (int) Math.floor(limit * engineShare[1]);
  }

  /**
   * Whether the engine signal is what holds class {@code b} back now: its engine ceiling is below
   * the limit and the class already uses all of it (for LOW, also MEDIUM's ceiling, which covers
   * MEDIUM and LOW together).
   */
  boolean heldByEngine(int b) {
    if (b == 0 || !engineEnabled) {
      return false;
    }
    int limit = limit();
    if (engineShare[b] < 1.0 && bands[b].inflight >= (int) Math.floor(limit * engineShare[b])) {
      return true;
    }
    return b == 2 && engineShare[1] < 1.0
        && bands[1].inflight + bands[2].inflight >= (int) Math.floor(limit * engineShare[1]);
  }

  /** Permits class {@code b} could hold now taking the shared constraints into account. */
  int effectiveCeiling(int b) {
    int c = ceiling(b);
    if (b != 0) {
      c = Math.min(c, limit() - reserve());
    }
    return Math.max(0, c);
  }

  Tenant tenant(String key) {
    if (key == null) {
      return defaultTenant;
    }
    Tenant t = tenants.get(key);
    if (t != null) {
      return t;
    }
    TenantPolicy tp = policy.tenants();
    if (tenants.size() >= tp.maxTenants()) {
      return overflowTenant;
    }
    t = new Tenant(key, tp.weightOf(key));
    tenants.put(key, t);
    return t;
  }

  int tenantCount() {
    return tenants.size();
  }

  int queued() {
    return bands[0].depth + bands[1].depth + bands[2].depth;
  }

  /** Feeds one upstream time into the service-time EWMA. */
  void sampleService(long upstreamNanos) {
    if (serviceSamples++ == 0) {
      serviceNanos = upstreamNanos;
    } else {
      double a = policy.serviceTimeAlpha();
      serviceNanos = a * upstreamNanos + (1 - a) * serviceNanos;
    }
  }

  /** The service time used for predictions: measured, else configured, else 0 (unknown). */
  double predictedServiceNanos() {
    if (serviceSamples > 0) {
      return serviceNanos;
    }
    return policy.initialServiceTimeMillis() * 1e6;
  }

  /**
   * Recomputes the engine ceilings: down at once to the target, up by {@code recoveryStep} per
   * {@code recoveryIntervalMs}. Returns whether any ceiling rose (queued work may now go).
   */
  boolean refreshEngine(long now) {
    if (!engineEnabled) {
      return false;
    }
    EnginePolicy e = policy.engine();
    long freshAt = hasSignal ? Math.max(signalAt, engineSince) : engineSince;
    boolean stale = now - freshAt > e.staleAfterMillis() * 1_000_000L;
    engineStale = stale;
    boolean rose = false;
    for (int b = 1; b <= 2; b++) {
      boolean saturated =
          stale
              || (b == 2
                  ? engineKv > e.kvHighWatermark() || engineWaiting > e.waitingHighWatermark()
                  : engineKv > e.kvCriticalWatermark()
                      || engineWaiting > e.waitingCriticalWatermark());
      double target = saturated ? 0 : 1;
      if (target < engineShare[b]) {
        engineShare[b] = target;
        lastRaise[b] = now;
      } else if (target > engineShare[b]
          && now - lastRaise[b] >= e.recoveryIntervalMillis() * 1_000_000L) {
        // Climb from what the ceiling's classes still run, not from 0: while they were held,
        // their requests in flight kept the engine busy; a climb from 0 would admit nothing
        // until it passed them, and the engine would idle meanwhile.
        int limit = limit();
        int running = b == 1 ? bands[1].inflight + bands[2].inflight : bands[2].inflight;
        double floor = limit > 0 ? Math.min(1.0, (double) running / limit) : 0;
        engineShare[b] = Math.min(target, Math.max(engineShare[b], floor) + e.recoveryStep());
        lastRaise[b] = now;
        rose = true;
      }
    }
    return rose;
  }

  /** Takes a reading unless it is older than the one already held. */
  void signal(int waiting, double kv, long sampledAt) {
    if (!hasSignal || sampledAt >= signalAt) {
      hasSignal = true;
      signalAt = sampledAt;
      engineWaiting = waiting;
      engineKv = kv;
    }
  }

  boolean engineRestricting() {
    return engineEnabled && (engineShare[1] < 1 || engineShare[2] < 1);
  }
}
