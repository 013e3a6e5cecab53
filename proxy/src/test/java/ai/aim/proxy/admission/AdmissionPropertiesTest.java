package ai.aim.proxy.admission;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.metrics.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Invariants of the admission core over random sequences of arrivals, completions,
 * cancellations, clock advances, engine signals and reloads, with the test thread playing the
 * admission thread and a hand-moved clock.
 */
class AdmissionPropertiesTest {
  private static final long MS = 1_000_000L;
  private static final String[] MODELS = {"m", "n"};
  private static final double[] RESERVES = {0, 0.25, 0.5};
  private static final long[] WAITS = {0, 300, 2_000};
  /** {@code highOvercommitAfterMs} choices. */
  private static final long[] OVERCOMMIT_AFTER = {0, 40, 400};

  sealed interface Action permits Arrive, Complete, Cancel, Advance, Reload, Signal, Stale, Override {}

  record Arrive(int model, Priority priority, int tenant, int cost, int deadlineMs)
      implements Action {}

  record Complete(int pick, int upstreamMs, boolean error) implements Action {}

  record Cancel(int pick, boolean queued) implements Action {}

  record Advance(int ms) implements Action {}

  record Reload(
      int limit, int reserve, int maxQueue, int waitIndex, boolean adaptive, boolean engine,
      SchedulingMode mode, int overcommitChoice)
      implements Action {
    /** {@code highOvercommit}: 0 to 2. */
    int overcommit() {
      return overcommitChoice % 3;
    }

    /** {@code highOvercommitAfterMs}, one of {@link #OVERCOMMIT_AFTER}. */
    long overcommitAfterMs() {
      return OVERCOMMIT_AFTER[overcommitChoice / 3];
    }
  }

  record Signal(int model, double kv, int waiting) implements Action {}

  /** A limit override from the scheduler: model -1 = all, limit 0 clears. */
  record Override(int model, int limit, int ttlMs) implements Action {}

  /** A completion or cancellation of a ticket that is already finished. */
  record Stale(int pick) implements Action {}

  @Provide
  Arbitrary<List<Action>> strictRuns() {
    return actions(Arbitraries.just(SchedulingMode.STRICT));
  }

  @Provide
  Arbitrary<List<Action>> anyModeRuns() {
    return actions(Arbitraries.of(SchedulingMode.class));
  }

  private Arbitrary<List<Action>> actions(Arbitrary<SchedulingMode> modes) {
    Arbitrary<Action> arrive =
        Combinators.combine(
                Arbitraries.integers().between(0, 1).withDistribution(
                    net.jqwik.api.RandomDistribution.uniform()),
                Arbitraries.of(Priority.class),
                Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(1, 2_000),
                Arbitraries.integers().between(-1, 3_000))
            .as(Arrive::new);
    Arbitrary<Action> complete =
        Combinators.combine(
                Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(1, 500),
                Arbitraries.of(true, false, false, false))
            .as(Complete::new);
    Arbitrary<Action> cancel =
        Combinators.combine(Arbitraries.integers().between(0, 1000), Arbitraries.of(true, false))
            .as(Cancel::new);
    // Short steps too, so waits of the order of highOvercommitAfterMs (40 ms) occur.
    Arbitrary<Action> advance =
        Arbitraries.oneOf(Arbitraries.integers().between(0, 60),
                Arbitraries.integers().between(0, 1_500))
            .map(Advance::new);
    Arbitrary<Action> reload =
        Combinators.combine(
                Arbitraries.integers().between(1, 6),
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 6),
                Arbitraries.integers().between(0, 2),
                Arbitraries.of(true, false),
                Arbitraries.of(true, false),
                modes,
                Arbitraries.integers().between(0, 8))
            .as(Reload::new);
    Arbitrary<Action> signal =
        Combinators.combine(
                Arbitraries.integers().between(0, 1),
                Arbitraries.doubles().between(0, 1),
                Arbitraries.integers().between(0, 200))
            .as(Signal::new);
    Arbitrary<Action> stale = Arbitraries.integers().between(0, 1000).map(Stale::new);
    Arbitrary<Action> override =
        Combinators.combine(
                Arbitraries.integers().between(-1, 1),
                Arbitraries.integers().between(0, 8),
                Arbitraries.integers().between(0, 3_000))
            .as(Override::new);
    Arbitrary<Action> any =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(10, arrive),
            net.jqwik.api.Tuple.of(6, complete),
            net.jqwik.api.Tuple.of(2, cancel),
            net.jqwik.api.Tuple.of(3, advance),
            net.jqwik.api.Tuple.of(1, reload),
            net.jqwik.api.Tuple.of(1, signal),
            net.jqwik.api.Tuple.of(1, stale),
            net.jqwik.api.Tuple.of(1, override));
    return Combinators.combine(reload, any.list().ofMinSize(1).ofMaxSize(300))
        .as(
            (first, rest) -> {
              List<Action> all = new ArrayList<>();
              all.add(first);
              all.addAll(rest);
              return all;
            });
  }

  @Property(tries = 200)
  void strictModeKeepsEveryInvariant(@ForAll("strictRuns") List<Action> actions) {
    new Run(true).play(actions);
  }

  @Property(tries = 200)
  void everyModeKeepsTheSafetyInvariants(@ForAll("anyModeRuns") List<Action> actions) {
    new Run(false).play(actions);
  }

  /** One run: the core, the clock, and what the edges would know about every ticket. */
  private static final class Run {
    final boolean strict;
    long now = 1_000 * MS;
    long nextTicket;
    AdmissionConfig config;
    AdmissionCore core;
    final Recorder rec = new Recorder();
    final Map<Long, Priority> priorityOf = new HashMap<>();
    final Map<Long, String> modelOf = new HashMap<>();
    final Map<Long, Long> arrivedAt = new HashMap<>();
    /**
     * During a completion or cancellation of an in-flight request: its model and the requests in
     * flight there before it ended (a HIGH request may take its place without waiting).
     */
    String endingModel;
    int inflightBeforeEnd;
    final Set<Long> queued = new LinkedHashSet<>();
    final Set<Long> inflight = new LinkedHashSet<>();
    final Set<Long> finished = new LinkedHashSet<>();
    final Set<Long> cancelledQueued = new LinkedHashSet<>();

    Run(boolean strict) {
      this.strict = strict;
    }

    void play(List<Action> actions) {
      rec.onAdmit = this::checkDispatch;
      for (Action a : actions) {
        if (core == null) {
          config = configFor((Reload) a);
          core = new AdmissionCore(config, now);
          continue;
        }
        step(a);
        syncAnswers();
        checkBounds();
      }
      // Wind down: refuse what is queued, complete what runs, then all must be idle.
      core.drain(true, now);
      syncAnswers();
      for (Long t : new ArrayList<>(inflight)) {
        core.complete(t, Outcome.OK, MS, now);
        inflight.remove(t);
      }
      syncAnswers();
      assertThat(rec.violations).isEmpty();
      assertThat(queued).isEmpty();
      assertThat(core.outstandingTickets()).isZero();
      for (String name : MODELS) {
        ModelState m = core.modelState(name);
        if (m != null) {
          assertThat(m.inflight).isZero();
          assertThat(m.inflightNonHigh).isZero();
          for (Band b : m.bands) {
            assertThat(b.inflight).isZero();
            assertThat(b.depth).isZero();
          }
        }
      }
      for (long t = 0; t < nextTicket; t++) {
        int calls = rec.calls.getOrDefault(t, 0);
        if (cancelledQueued.contains(t)) {
          assertThat(calls).as("callbacks of cancelled queued ticket %d", t).isZero();
        } else {
          assertThat(calls).as("callbacks of ticket %d", t).isEqualTo(1);
        }
      }
    }

    void step(Action a) {
      if (a instanceof Arrive ar) {
        long t = nextTicket++;
        String model = MODELS[ar.model()];
        priorityOf.put(t, ar.priority());
        modelOf.put(t, model);
        arrivedAt.put(t, now);
        long deadline =
            ar.deadlineMs() < 0 ? AdmissionController.NO_DEADLINE : now + ar.deadlineMs() * MS;
        queued.add(t);
        core.arrive(t, model, ar.priority(), deadline, "t" + ar.tenant(), ar.cost(), rec, now, now);
        if (!rec.answered(t)) {
          ModelState m = core.modelState(model);
          Band b = m.bands[ar.priority().ordinal()];
          assertThat(b.depth)
              .as("queue bound")
              .isLessThanOrEqualTo(m.policy.priorities().get(b.index).maxQueue());
        }
      } else if (a instanceof Complete c) {
        if (!inflight.isEmpty()) {
          long t = pick(inflight, c.pick());
          inflight.remove(t);
          finished.add(t);
          ending(t);
          core.complete(t, c.error() ? Outcome.UPSTREAM_ERROR : Outcome.OK, c.upstreamMs() * MS,
              now);
          endingModel = null;
        }
      } else if (a instanceof Cancel c) {
        Set<Long> from = c.queued() ? queued : inflight;
        if (!from.isEmpty()) {
          long t = pick(from, c.pick());
          from.remove(t);
          if (c.queued()) {
            cancelledQueued.add(t);
          }
          finished.add(t);
          rec.cancelled.add(t);
          if (!c.queued()) {
            ending(t);
          }
          core.cancel(t, now);
          endingModel = null;
        }
      } else if (a instanceof Advance adv) {
        now += adv.ms() * MS;
        core.tick(now);
      } else if (a instanceof Reload r) {
        config = configFor(r);
        core.reload(config, now);
      } else if (a instanceof Signal s) {
        core.engineSignal(MODELS[s.model()], s.waiting(), s.kv(), now, now);
      } else if (a instanceof Override o) {
        core.overrideLimit(o.model() < 0 ? "" : MODELS[o.model()], o.limit(),
            now + o.ttlMs() * MS, now);
      } else if (a instanceof Stale s) {
        if (!finished.isEmpty()) {
          long t = pick(finished, s.pick());
          core.complete(t, Outcome.OK, MS, now);
          core.cancel(t, now);
        }
      }
    }

    void ending(long ticket) {
      endingModel = modelOf.get(ticket);
      inflightBeforeEnd = core.modelState(endingModel).inflight;
    }

    /** Moves tickets the core answered from the edge's queued set. */
    void syncAnswers() {
      for (var it = queued.iterator(); it.hasNext(); ) {
        long t = it.next();
        if (rec.admitted.contains(t)) {
          it.remove();
          inflight.add(t);
        } else if (rec.rejected.containsKey(t)) {
          it.remove();
          finished.add(t);
        }
      }
    }

    void checkDispatch(long ticket) {
      ModelState m = core.modelState(modelOf.get(ticket));
      int b = priorityOf.get(ticket).ordinal();
      int limit = m.limit();
      int overcommit = m.policy.highOvercommit();
      if (m.inflight > limit + overcommit) {
        rec.violations.add(
            "in flight " + m.inflight + " above limit " + limit + " + overcommit " + overcommit);
      }
      long after = m.policy.highOvercommitAfterMillis() * MS;
      boolean inPlaceOfEnded = m.name.equals(endingModel) && m.inflight <= inflightBeforeEnd;
      if (b == 0 && m.inflight > limit && now - arrivedAt.get(ticket) < after && !inPlaceOfEnded) {
        rec.violations.add("HIGH dispatched beyond limit " + limit + " after waiting "
            + (now - arrivedAt.get(ticket)) / MS + " ms of highOvercommitAfterMs " + after / MS);
      }
      if (b != 0 && m.inflight > limit) {
        rec.violations.add("class " + b + " dispatched with " + (m.inflight - 1)
            + " in flight, limit " + limit);
      }
      if (b != 0 && m.inflightNonHigh > limit - m.reserve()) {
        rec.violations.add(
            "non-HIGH in flight " + m.inflightNonHigh + " above limit - reserve "
                + (limit - m.reserve()));
      }
      if (m.bands[b].inflight > m.ceiling(b)) {
        rec.violations.add("class " + b + " above its ceiling " + m.ceiling(b));
      }
      if (strict) {
        // Strict order as documented: the highest waiting class that may be dispatched goes
        // first. A higher class held back by its own ceiling (maxInflightShare or the engine
        // ceiling) does not stop a lower class whose ceiling has room.
        for (int higher = 0; higher < b; higher++) {
          if (m.bands[higher].depth > 0 && couldGoInstead(m, higher, b)) {
            rec.violations.add("class " + b + " dispatched while class " + higher + " waits");
          }
        }
      }
    }

    /** Whether class {@code h} could have been dispatched instead of the class-{@code b} dispatch just made. */
    private static boolean couldGoInstead(ModelState m, int h, int b) {
      int limit = m.limit();
      if (m.inflight - 1 >= (h == 0 ? limit + m.policy.highOvercommit() : limit)) {
        return false;
      }
      if (h != 0 && m.inflightNonHigh - (b != 0 ? 1 : 0) >= limit - m.reserve()) {
        return false;
      }
      return m.bands[h].inflight < m.ceiling(h);
    }

    void checkBounds() {
      for (String name : MODELS) {
        ModelState m = core.modelState(name);
        if (m == null) {
          continue;
        }
        int sum = 0;
        for (Band b : m.bands) {
          assertThat(b.inflight).isGreaterThanOrEqualTo(0);
          sum += b.inflight;
        }
        assertThat(m.inflight).isEqualTo(sum);
        assertThat(m.inflightNonHigh).isEqualTo(sum - m.bands[0].inflight);
      }
      assertThat(core.outstandingTickets()).isEqualTo(queued.size() + inflight.size());
    }

    static long pick(Set<Long> from, int index) {
      int i = index % from.size();
      var it = from.iterator();
      for (int k = 0; k < i; k++) {
        it.next();
      }
      return it.next();
    }

    static AdmissionConfig configFor(Reload r) {
      ModelPolicy p =
          Policies.policy(r.limit(), RESERVES[r.reserve()], r.mode(), r.maxQueue(),
              WAITS[r.waitIndex()]);
      if (r.adaptive()) {
        p = p.withLimit(new LimitPolicy(LimitPolicy.Mode.ADAPTIVE, r.limit(), 1, 8, 0.5, 5, 1.5));
      }
      p = Policies.withInitialService(p, 100);
      p = Policies.withHighOvercommit(p, r.overcommit());
      p = Policies.withHighOvercommitAfter(p, r.overcommitAfterMs());
      if (r.engine()) {
        p = Policies.withEngine(p, new EnginePolicy(true, 0.7, 0.9, 50, 150, 2_000, 0.34, 500));
      }
      return Policies.config(p);
    }
  }

  /**
   * WFQ: two tenants of equal weight, both kept backlogged with random token costs, served one at a
   * time: the tokens served to each never differ by more than the largest single cost.
   */
  @Property(tries = 200)
  void twoBackloggedTenantsOfEqualWeightGetEqualTokensWithinOneRequest(
      @ForAll @Size(min = 20, max = 200) List<@IntRange(min = 1, max = 4000) Integer> costsA,
      @ForAll @Size(min = 20, max = 200) List<@IntRange(min = 1, max = 4000) Integer> costsB) {
    long now = 0;
    AdmissionCore core =
        new AdmissionCore(
            Policies.config(Policies.policy(1, 0, SchedulingMode.STRICT, 10_000, 0)), now);
    Recorder rec = new Recorder();
    core.arrive(0, "m", Priority.HIGH, AdmissionController.NO_DEADLINE, null, 1, rec, now, now);
    Map<Long, Integer> cost = new HashMap<>();
    Map<Long, Character> tenant = new HashMap<>();
    long ticket = 1;
    int n = Math.min(costsA.size(), costsB.size());
    for (int i = 0; i < n; i++) {
      for (char who : new char[] {'a', 'b'}) {
        int c = who == 'a' ? costsA.get(i) : costsB.get(i);
        cost.put(ticket, c);
        tenant.put(ticket, who);
        core.arrive(ticket++, "m", Priority.LOW, AdmissionController.NO_DEADLINE,
            String.valueOf(who), c, rec, now, now);
      }
    }
    long current = 0;
    long servedA = 0;
    long servedB = 0;
    int queuedA = n;
    int queuedB = n;
    while (queuedA > 0 && queuedB > 0) {
      int before = rec.admitOrder.size();
      core.complete(current, Outcome.OK, MS, now);
      current = rec.admitOrder.get(before);
      if (tenant.get(current) == 'a') {
        servedA += cost.get(current);
        queuedA--;
      } else {
        servedB += cost.get(current);
        queuedB--;
      }
      assertThat(Math.abs(servedA - servedB)).isLessThanOrEqualTo(4000);
    }
  }
}
