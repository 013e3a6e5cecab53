package ai.aim.proxy.admission;

import static ai.aim.proxy.admission.AdmissionController.NO_DEADLINE;
import static ai.aim.proxy.admission.Priority.HIGH;
import static ai.aim.proxy.admission.Priority.LOW;
import static ai.aim.proxy.admission.Priority.MEDIUM;
import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.metrics.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The decision logic, driven synchronously with a hand-moved clock. */
class AdmissionCoreTest {
  private static final long MS = 1_000_000L;

  private long now = 5_000 * MS;
  private long nextTicket;
  private final Recorder rec = new Recorder();
  private AdmissionCore core;

  private void start(ModelPolicy p) {
    core = new AdmissionCore(Policies.config(p), now);
  }

  private long arrive(Priority p) {
    return arrive(p, NO_DEADLINE, null, 1);
  }

  private long arrive(Priority p, long deadline, String tenant, long cost) {
    long t = nextTicket++;
    core.arrive(t, "m", p, deadline, tenant, cost, rec, now, now);
    return t;
  }

  private void complete(long ticket, long upstreamMs) {
    core.complete(ticket, Outcome.OK, upstreamMs * MS, now);
  }

  private void advance(long ms) {
    now += ms * MS;
    core.tick(now);
  }

  private ModelState model() {
    return core.modelState("m");
  }

  @AfterEach
  void noViolations() {
    assertThat(rec.violations).isEmpty();
  }

  @Test
  void dispatchesAtOnceWhileBelowTheLimit() {
    start(Policies.policy(2, 0, SchedulingMode.STRICT, 10, 0));
    long a = arrive(LOW);
    long b = arrive(HIGH);
    assertThat(rec.admitted).containsExactly(a, b);
    assertThat(model().inflight).isEqualTo(2);
  }

  @Test
  void queuesBeyondTheLimitAndDispatchesOnCompletion() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0));
    long a = arrive(MEDIUM);
    long b = arrive(MEDIUM);
    assertThat(rec.admitted).containsExactly(a);
    assertThat(model().bands[1].depth).isEqualTo(1);
    now += 30 * MS;
    complete(a, 30);
    assertThat(rec.admitted).containsExactly(a, b);
    assertThat(model().inflight).isEqualTo(1);
    complete(b, 10);
    assertThat(model().inflight).isZero();
    assertThat(core.outstandingTickets()).isZero();
  }

  @Test
  void servesHighBeforeMediumBeforeLowInStrictMode() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0));
    long first = arrive(LOW);
    long low = arrive(LOW);
    long medium = arrive(MEDIUM);
    long high = arrive(HIGH);
    complete(first, 1);
    complete(high, 1);
    complete(medium, 1);
    assertThat(rec.admitOrder).containsExactly(first, high, medium, low);
  }

  @Test
  void refusesWithQueueFullAtTheBound() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 2, 0));
    arrive(LOW);
    arrive(LOW);
    arrive(LOW);
    long refused = arrive(LOW);
    assertThat(rec.reason(refused)).isEqualTo(RejectReason.QUEUE_FULL);
    assertThat(rec.rejected.get(refused).httpStatus()).isEqualTo(429);
    assertThat(model().bands[2].depth).isEqualTo(2);
  }

  @Test
  void refusesWithQueueTimeoutOnceTheMaximumWaitPassed() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 500));
    arrive(HIGH);
    long queued = arrive(MEDIUM);
    advance(499);
    assertThat(rec.answered(queued)).isFalse();
    advance(1);
    assertThat(rec.reason(queued)).isEqualTo(RejectReason.QUEUE_TIMEOUT);
    assertThat(model().bands[1].depth).isZero();
  }

  @Test
  void whileHighOverflowsLowerClassesAreRefusedAtOnceInsteadOfWaitingOutTheirMaximum() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 2, 500));
    long running = arrive(HIGH);
    arrive(HIGH);
    arrive(HIGH);
    long overflow = arrive(HIGH);
    assertThat(rec.reason(overflow)).isEqualTo(RejectReason.QUEUE_FULL);

    long low = arrive(LOW);
    long medium = arrive(MEDIUM);
    assertThat(rec.reason(low)).isEqualTo(RejectReason.OUTRANKED);
    assertThat(rec.reason(medium)).isEqualTo(RejectReason.OUTRANKED);
    assertThat(rec.rejected.get(low).httpStatus()).isEqualTo(429);
    assertThat(model().bands[2].depth).isZero();
    // HIGH itself still queues behind its own overflow.
    assertThat(model().bands[0].depth).isEqualTo(2);

    // Once HIGH's queue is empty, LOW queues again although the overflow is recent.
    now += 10 * MS;
    complete(running, 10);
    long second = rec.admitOrder.get(rec.admitOrder.size() - 1);
    complete(second, 0);
    long third = rec.admitOrder.get(rec.admitOrder.size() - 1);
    assertThat(model().bands[0].depth).isZero();
    long lowLater = arrive(LOW);
    assertThat(rec.answered(lowLater)).isFalse();
    assertThat(model().bands[2].depth).isEqualTo(1);
    complete(third, 0);
    assertThat(rec.admitted).contains(lowLater);
  }

  @Test
  void anOverflowOlderThanTheLowerClassesMaximumWaitNoLongerRefusesIt() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 2, 500));
    arrive(HIGH);
    arrive(HIGH);
    arrive(HIGH);
    assertThat(rec.reason(arrive(HIGH))).isEqualTo(RejectReason.QUEUE_FULL);
    now += 499 * MS;
    assertThat(rec.reason(arrive(LOW))).isEqualTo(RejectReason.OUTRANKED);
    now += 1 * MS;
    long low = arrive(LOW);
    assertThat(rec.answered(low)).isFalse();
    assertThat(model().bands[2].depth).isEqualTo(1);
  }

  @Test
  void aHighQueueTimeoutCountsAsOverflowToo() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 500));
    arrive(HIGH);
    long waiting = arrive(HIGH);
    advance(500);
    assertThat(rec.reason(waiting)).isEqualTo(RejectReason.QUEUE_TIMEOUT);
    arrive(HIGH);
    assertThat(rec.reason(arrive(LOW))).isEqualTo(RejectReason.OUTRANKED);
  }

  @Test
  void withTheSettingOffOrOutsideStrictModeLowerClassesQueueAsBefore() {
    for (ModelPolicy p :
        List.of(
            Policies.withShedWhileHigherOverflows(
                Policies.policy(1, 0, SchedulingMode.STRICT, 2, 500), false),
            Policies.policy(1, 0, SchedulingMode.WEIGHTED, 2, 500),
            Policies.policy(1, 0, SchedulingMode.AGING, 2, 500))) {
      start(p);
      arrive(HIGH);
      arrive(HIGH);
      arrive(HIGH);
      assertThat(rec.reason(arrive(HIGH))).isEqualTo(RejectReason.QUEUE_FULL);
      long low = arrive(LOW);
      assertThat(rec.answered(low)).as("%s", p.scheduling()).isFalse();
      assertThat(model().bands[2].depth).isEqualTo(1);
    }
  }

  @Test
  void aClassWithoutAMaximumWaitIsNeverRefusedAsOutranked() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 2, 0));
    arrive(HIGH);
    arrive(HIGH);
    arrive(HIGH);
    assertThat(rec.reason(arrive(HIGH))).isEqualTo(RejectReason.QUEUE_FULL);
    long low = arrive(LOW);
    assertThat(rec.answered(low)).isFalse();
  }

  @Test
  void aCancelledQueuedTicketLeavesTheQueueWithoutAnyCallback() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0));
    long running = arrive(HIGH);
    long queued = arrive(LOW);
    rec.cancelled.add(queued);
    core.cancel(queued, now);
    assertThat(model().bands[2].depth).isZero();
    complete(running, 5);
    assertThat(rec.answered(queued)).isFalse();
    assertThat(core.outstandingTickets()).isZero();
  }

  @Test
  void cancellingADispatchedTicketFreesItsPermitAtOnce() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0));
    long running = arrive(HIGH);
    long queued = arrive(HIGH);
    core.cancel(running, now);
    assertThat(rec.admitted).containsExactly(running, queued);
    assertThat(model().inflight).isEqualTo(1);
  }

  @Test
  void refusesAnUnmeetableDeadlineFromTheQueueAheadAndTheMeasuredServiceTime() {
    start(Policies.policy(2, 0, SchedulingMode.STRICT, 10, 0));
    long warm = arrive(MEDIUM);
    complete(warm, 100); // service time EWMA = 100 ms (first sample)
    arrive(MEDIUM);
    arrive(MEDIUM);
    arrive(MEDIUM);
    arrive(MEDIUM);
    arrive(MEDIUM); // 2 in flight, 3 queued
    // ahead 3 + itself = 4 leave at 2 per 100 ms: wait 200 ms, then 100 ms service: 300 ms
    long tooTight = arrive(MEDIUM, now + 299 * MS, null, 1);
    long enough = arrive(MEDIUM, now + 300 * MS, null, 1);
    assertThat(rec.reason(tooTight)).isEqualTo(RejectReason.DEADLINE_UNMEETABLE);
    assertThat(rec.rejected.get(tooTight).httpStatus()).isEqualTo(504);
    assertThat(rec.answered(enough)).isFalse();
    // a HIGH counts only the (empty) HIGH queue ahead: 1 x 100 / 2 + 100 = 150 ms
    long high = arrive(HIGH, now + 150 * MS, null, 1);
    assertThat(rec.answered(high)).isFalse();
  }

  @Test
  void refusesAnExpiredDeadlineOnArrivalAndWhileQueued() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0));
    long late = arrive(LOW, now, null, 1);
    assertThat(rec.reason(late)).isEqualTo(RejectReason.DEADLINE_EXPIRED);
    arrive(HIGH);
    long queued = arrive(LOW, now + 50 * MS, null, 1);
    advance(49);
    assertThat(rec.answered(queued)).isFalse();
    advance(1);
    assertThat(rec.reason(queued)).isEqualTo(RejectReason.DEADLINE_EXPIRED);
  }

  @Test
  void keepsTheReservedShareFreeForHigh() {
    start(Policies.policy(10, 0.2, SchedulingMode.STRICT, 100, 0));
    List<Long> lows = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      lows.add(arrive(LOW));
    }
    assertThat(model().inflightNonHigh).isEqualTo(8);
    assertThat(model().bands[2].depth).isEqualTo(4);
    long high = arrive(HIGH);
    assertThat(rec.admitted).contains(high);
    long high2 = arrive(HIGH);
    assertThat(rec.admitted).contains(high2);
    long high3 = arrive(HIGH); // the limit is reached now
    assertThat(rec.answered(high3)).isFalse();
    complete(lows.get(0), 10);
    assertThat(rec.admitOrder.get(rec.admitOrder.size() - 1)).isEqualTo(high3);
  }

  @Test
  void highOvercommitLetsHighPastAFullLimitWhileLowerClassesStillWait() {
    start(Policies.withHighOvercommit(Policies.policy(4, 0, SchedulingMode.STRICT, 100, 0), 2));
    List<Long> lows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      lows.add(arrive(LOW));
    }
    assertThat(model().inflight).isEqualTo(4);
    long high = arrive(HIGH);
    long high2 = arrive(HIGH);
    assertThat(rec.admitted).contains(high, high2);
    assertThat(model().inflight).isEqualTo(6);
    long high3 = arrive(HIGH); // limit + overcommit reached
    long medium = arrive(MEDIUM);
    assertThat(rec.answered(high3)).isFalse();
    assertThat(rec.answered(medium)).isFalse();
    // A LOW completion frees a slot: HIGH goes first (6 -> 5 -> 6 in flight), MEDIUM and LOW wait
    // until fewer than the limit (4) are in flight.
    complete(lows.get(0), 10);
    assertThat(rec.admitOrder.get(rec.admitOrder.size() - 1)).isEqualTo(high3);
    complete(lows.get(1), 10);
    complete(high, 10);
    assertThat(model().inflight).isEqualTo(4);
    assertThat(rec.answered(medium)).isFalse();
    complete(high2, 10);
    assertThat(rec.admitOrder.get(rec.admitOrder.size() - 1)).isEqualTo(medium);
    assertThat(model().inflight).isEqualTo(4);
  }

  @Test
  void highOvercommitAfterAWaitLetsHighTakeAFreedPermitFirstAndPassTheLimitOnlyOnceItWaited() {
    start(Policies.withHighOvercommitAfter(
        Policies.withHighOvercommit(Policies.policy(2, 0, SchedulingMode.STRICT, 100, 0), 2), 50));
    long low1 = arrive(LOW);
    long low2 = arrive(LOW);
    long low3 = arrive(LOW);
    long high = arrive(HIGH); // the limit is reached: HIGH waits for a permit first
    assertThat(rec.answered(high)).isFalse();
    advance(30);
    assertThat(rec.answered(high)).isFalse();
    complete(low1, 30); // a permit under the limit frees within the wait: no overcommit needed
    assertThat(rec.admitOrder.get(rec.admitOrder.size() - 1)).isEqualTo(high);
    assertThat(model().inflight).isEqualTo(2);

    long high2 = arrive(HIGH); // t = 30
    advance(20);
    long high3 = arrive(HIGH); // t = 50
    advance(29); // t = 79: high2 waited 49 ms
    assertThat(rec.answered(high2)).isFalse();
    // t = 80, within the tick period: the check after a batch of events dispatches it
    now += MS;
    core.maybeTick(now);
    assertThat(rec.admitted).contains(high2).doesNotContain(high3);
    assertThat(model().inflight).isEqualTo(3);
    advance(20); // t = 100: high3 waited 50 ms
    assertThat(rec.admitted).contains(high3);
    assertThat(model().inflight).isEqualTo(4);
    long high4 = arrive(HIGH); // limit + overcommit reached: no wait opens more
    advance(60);
    assertThat(rec.answered(high4)).isFalse();
    complete(high2, 10);
    assertThat(rec.admitted).contains(high4);

    // A request beyond the limit that ends leaves the engine a slot it would give to a request it
    // preempted: a queued HIGH request takes it without waiting.
    long high5 = arrive(HIGH);
    assertThat(rec.answered(high5)).isFalse();
    complete(high3, 10);
    assertThat(rec.admitted).contains(high5);
    assertThat(model().inflight).isEqualTo(4);
    complete(high, 10); // nothing queued in HIGH: the count falls to 3, still beyond the limit
    long high6 = arrive(HIGH);
    assertThat(rec.answered(high6)).isFalse();
    complete(low2, 10); // 3 -> 2, beyond the limit before: HIGH takes its place, LOW does not
    assertThat(rec.admitted).contains(high6);
    assertThat(model().inflight).isEqualTo(3);
    assertThat(rec.answered(low3)).isFalse();
    // high2, high3, high4, high5 and high6 went beyond the limit
    assertThat(core.publishSnapshot(now).models().get("m").highOvercommitted()).isEqualTo(5);
  }

  @Test
  void withoutOvercommitTheLimitBindsHighToo() {
    start(Policies.policy(2, 0, SchedulingMode.STRICT, 100, 0));
    arrive(LOW);
    arrive(LOW);
    long high = arrive(HIGH);
    assertThat(rec.answered(high)).isFalse();
    assertThat(model().bands[0].depth).isEqualTo(1);
  }

  @Test
  void engineSaturationStopsLowThenMediumButNeverHighAndRecoversStepwise() {
    EnginePolicy e = new EnginePolicy(true, 0.9, 0.97, 1000, 2000, 5_000, 0.25, 1_000);
    start(Policies.withEngine(Policies.policy(8, 0, SchedulingMode.STRICT, 100, 0), e));
    core.engineSignal("m", 0, 0.95, now, now);
    long low = arrive(LOW);
    long medium = arrive(MEDIUM);
    assertThat(rec.answered(low)).isFalse();
    assertThat(rec.admitted).contains(medium);
    core.engineSignal("m", 0, 0.99, now, now);
    long medium2 = arrive(MEDIUM);
    long high = arrive(HIGH);
    assertThat(rec.answered(medium2)).isFalse();
    assertThat(rec.admitted).contains(high);
    // recovery: ceilings rise by 25 % of the limit (2 permits) per second, from what their
    // classes still run: one MEDIUM is in flight, so MEDIUM's ceiling (MEDIUM and LOW together)
    // starts at 1 + 2, LOW's (nothing running) at 0 + 2.
    now += 1_000 * MS;
    core.engineSignal("m", 0, 0.10, now, now);
    assertThat(model().effectiveCeiling(1)).isEqualTo(3);
    assertThat(model().effectiveCeiling(2)).isEqualTo(2);
    assertThat(rec.admitted).contains(medium2, low);
    for (int i = 0; i < 3; i++) {
      arrive(LOW);
    }
    // 2 MEDIUM + 1 LOW fill MEDIUM's ceiling of 3: the new LOW wait.
    assertThat(model().bands[2].inflight).isEqualTo(1);
    now += 1_000 * MS;
    core.engineSignal("m", 0, 0.10, now, now);
    assertThat(model().effectiveCeiling(1)).isEqualTo(5); // 3 running + 2
    assertThat(model().effectiveCeiling(2)).isEqualTo(4); // max(2, 1 running) + 2
    assertThat(model().bands[2].inflight).isEqualTo(3); // 2 MEDIUM + 3 LOW = MEDIUM's ceiling
    now += 1_000 * MS;
    core.engineSignal("m", 0, 0.10, now, now);
    assertThat(model().bands[2].inflight).isEqualTo(4);
  }

  @Test
  void lowNeverPassesMediumWaitingAtItsEngineCeiling() {
    EnginePolicy e = new EnginePolicy(true, 0.9, 0.97, 1000, 2000, 5_000, 0.5, 1_000);
    start(Policies.withEngine(Policies.policy(4, 0, SchedulingMode.STRICT, 100, 0), e));
    core.engineSignal("m", 0, 0.99, now, now);
    now += 1_000 * MS;
    core.engineSignal("m", 0, 0.10, now, now); // both classes at half the limit: 2 permits
    long m1 = arrive(MEDIUM);
    long m2 = arrive(MEDIUM);
    long m3 = arrive(MEDIUM);
    long low = arrive(LOW);
    assertThat(rec.admitted).containsExactly(m1, m2);
    assertThat(rec.answered(m3)).isFalse();
    assertThat(rec.answered(low)).isFalse();
    assertThat(model().heldByEngine(2)).isTrue();
  }

  @Test
  void aFullQueueBehindASaturatedEngineIsRefusedAsEngineSaturatedAndAnOrdinaryOneAsQueueFull() {
    EnginePolicy e = new EnginePolicy(true, 0.9, 0.97, 1000, 2000, 5_000, 0.25, 1_000);
    // MEDIUM overflows first here; LOW must still queue behind it to show the engine reason.
    start(
        Policies.withShedWhileHigherOverflows(
            Policies.withEngine(Policies.policy(2, 0, SchedulingMode.STRICT, 1, 1_000), e), false));
    long a = arrive(MEDIUM);
    long b = arrive(MEDIUM);
    long queued = arrive(MEDIUM);
    long full = arrive(MEDIUM);
    assertThat(rec.admitted).containsExactly(a, b);
    assertThat(rec.answered(queued)).isFalse();
    assertThat(rec.reason(full)).isEqualTo(RejectReason.QUEUE_FULL);
    core.engineSignal("m", 0, 0.95, now, now);
    long lowQueued = arrive(LOW);
    long lowFull = arrive(LOW);
    assertThat(rec.answered(lowQueued)).isFalse();
    assertThat(rec.reason(lowFull)).isEqualTo(RejectReason.ENGINE_SATURATED);
    complete(a, 10);
    complete(b, 10);
    assertThat(rec.admitted).contains(queued).doesNotContain(lowQueued);
    advance(1_000);
    assertThat(rec.reason(lowQueued)).isEqualTo(RejectReason.ENGINE_SATURATED);
    var snap = core.publishSnapshot(now).models().get("m");
    assertThat(snap.of(LOW).shedByReason()).containsEntry(RejectReason.ENGINE_SATURATED, 2L);
    assertThat(snap.engine()).isEqualTo(new AdmissionSnapshot.Engine(true, true, 0, 0.95, 1.0, false));
  }

  @Test
  void aLimitOverrideReplacesTheLimitUntilItLapses() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0));
    long a = arrive(MEDIUM);
    long b = arrive(MEDIUM);
    long c = arrive(MEDIUM);
    assertThat(rec.admitted).containsExactly(a);
    core.overrideLimit("m", 3, now + 2_000 * MS, now);
    assertThat(rec.admitted).containsExactly(a, b, c);
    var snap = core.publishSnapshot(now).models().get("m");
    assertThat(snap.limit()).isEqualTo(3);
    assertThat(snap.limitOverride()).isEqualTo(3);
    advance(2_000);
    assertThat(model().limit()).isEqualTo(1);
    assertThat(core.publishSnapshot(now).models().get("m").limitOverride()).isZero();
    long d = arrive(MEDIUM);
    assertThat(rec.answered(d)).isFalse();
  }

  @Test
  void anEmptyModelNameOverridesEveryModelAndZeroClears() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0));
    arrive(MEDIUM);
    assertThat(core.overrideLimit("", 5, now + 60_000 * MS, now)).isTrue();
    assertThat(model().limit()).isEqualTo(5);
    core.overrideLimit("", 0, now, now);
    assertThat(model().limit()).isEqualTo(1);
  }

  @Test
  void aStaleSignalCountsAsSaturatedForLowAndMediumOnly() {
    EnginePolicy e = new EnginePolicy(true, 0.9, 0.97, 1000, 2000, 2_000, 0.5, 1_000);
    start(Policies.withEngine(Policies.policy(8, 0, SchedulingMode.STRICT, 100, 0), e));
    core.engineSignal("m", 0, 0.1, now, now);
    long before = arrive(LOW);
    assertThat(rec.admitted).contains(before);
    advance(2_001);
    long low = arrive(LOW);
    long medium = arrive(MEDIUM);
    long high = arrive(HIGH);
    assertThat(rec.answered(low)).isFalse();
    assertThat(rec.answered(medium)).isFalse();
    assertThat(rec.admitted).contains(high);
    assertThat(core.publishSnapshot(now).models().get("m").engineSaturated()).isTrue();
  }

  @Test
  void agingLetsALongWaitingLowGoBeforeAFreshMedium() {
    start(Policies.policy(1, 0, SchedulingMode.AGING, 100, 0)); // agingMs = 1000
    long running = arrive(HIGH);
    long low = arrive(LOW);
    advance(2_500);
    long medium = arrive(MEDIUM);
    complete(running, 1);
    assertThat(rec.admitOrder).containsExactly(running, low);
    complete(low, 1);
    assertThat(rec.admitOrder).containsExactly(running, low, medium);
  }

  @Test
  void strictModeLetsTheFreshMediumGoFirst() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 100, 0));
    long running = arrive(HIGH);
    arrive(LOW);
    advance(2_500);
    long medium = arrive(MEDIUM);
    complete(running, 1);
    assertThat(rec.admitOrder).containsExactly(running, medium);
  }

  @Test
  void weightedModeSplitsDispatchesByClassWeightsWhenAllAreBacklogged() {
    start(Policies.policy(1, 0, SchedulingMode.WEIGHTED, 1000, 0));
    long running = arrive(HIGH);
    for (int i = 0; i < 200; i++) {
      arrive(HIGH);
      arrive(MEDIUM);
      arrive(LOW);
    }
    long current = running;
    int[] byClass = new int[3];
    for (int i = 0; i < 100; i++) {
      int before = rec.admitOrder.size();
      complete(current, 1);
      current = rec.admitOrder.get(before);
      byClass[current % 3 == 1 ? 0 : current % 3 == 2 ? 1 : 2]++;
    }
    assertThat(byClass[0]).isBetween(69, 71);
    assertThat(byClass[1]).isBetween(19, 21);
    assertThat(byClass[2]).isBetween(9, 11);
  }

  @Test
  void tenantsOfEqualWeightAlternateInsideAClass() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 1000, 0));
    long running = arrive(HIGH);
    List<Long> a = new ArrayList<>();
    List<Long> b = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      a.add(arrive(MEDIUM, NO_DEADLINE, "a", 100));
    }
    for (int i = 0; i < 5; i++) {
      b.add(arrive(MEDIUM, NO_DEADLINE, "b", 100));
    }
    long current = running;
    List<Long> order = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      int before = rec.admitOrder.size();
      complete(current, 1);
      current = rec.admitOrder.get(before);
      order.add(current);
    }
    assertThat(order)
        .containsExactly(a.get(0), b.get(0), a.get(1), b.get(1), a.get(2), b.get(2), a.get(3),
            b.get(3), a.get(4), b.get(4));
  }

  @Test
  void aTenantWithThreeTimesTheWeightGetsThreeTimesTheTokens() {
    ModelPolicy p = Policies.policy(1, 0, SchedulingMode.STRICT, 1000, 0);
    start(Policies.withTenants(p, new TenantPolicy(8, 1, Map.of("gold", 3))));
    long running = arrive(HIGH);
    for (int i = 0; i < 100; i++) {
      arrive(LOW, NO_DEADLINE, "gold", 50);
      arrive(LOW, NO_DEADLINE, "basic", 50);
    }
    long current = running;
    int gold = 0;
    for (int i = 0; i < 40; i++) {
      int before = rec.admitOrder.size();
      complete(current, 1);
      current = rec.admitOrder.get(before);
      if (current % 2 == 1) {
        gold++;
      }
    }
    assertThat(gold).isBetween(29, 31);
  }

  @Test
  void tenantsBeyondTheBoundShareTheOverflowBucket() {
    ModelPolicy p = Policies.policy(1, 0, SchedulingMode.STRICT, 1000, 0);
    start(Policies.withTenants(p, new TenantPolicy(2, 1, Map.of())));
    arrive(HIGH);
    for (int i = 0; i < 10; i++) {
      arrive(LOW, NO_DEADLINE, "t" + i, 1);
    }
    assertThat(model().tenantCount()).isEqualTo(2);
    assertThat(model().bands[2].activeTenants()).isEqualTo(3);
  }

  @Test
  void retryAfterIsTheQueueDepthOverTheDrainRateInWholeSecondsWithinOneToSixty() {
    assertThat(AdmissionCore.retryAfterSeconds(0, 0)).isEqualTo(1);
    assertThat(AdmissionCore.retryAfterSeconds(5, 0)).isEqualTo(60);
    assertThat(AdmissionCore.retryAfterSeconds(10, 4)).isEqualTo(3);
    assertThat(AdmissionCore.retryAfterSeconds(8, 4)).isEqualTo(2);
    assertThat(AdmissionCore.retryAfterSeconds(1, 100)).isEqualTo(1);
    assertThat(AdmissionCore.retryAfterSeconds(1000, 1)).isEqualTo(60);
  }

  @Test
  void aRejectionCarriesARetryAfterFromTheMeasuredDrainRate() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0));
    // four dispatches of LOW in the first one-second window: drain rate 4/s
    long t = arrive(LOW);
    for (int i = 0; i < 3; i++) {
      now += 100 * MS;
      complete(t, 100);
      t = arrive(LOW);
    }
    advance(700); // the window closes at 1 s with 4 dispatches
    assertThat(model().bands[2].admitRate.rate()).isEqualTo(4.0);
    for (int i = 0; i < 10; i++) {
      arrive(LOW);
    }
    long refused = arrive(LOW);
    Rejection r = rec.rejected.get(refused);
    assertThat(r.reason()).isEqualTo(RejectReason.QUEUE_FULL);
    assertThat(r.retryAfterMillis()).isEqualTo(3_000); // ceil(10 / 4 s)
    assertThat(r.retryAfterSeconds()).isEqualTo(3);
  }

  @Test
  void aRaisedLimitDispatchesQueuedWorkAndALoweredOneDrainsNaturally() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0));
    long a = arrive(LOW);
    long b = arrive(LOW);
    long c = arrive(LOW);
    core.reload(Policies.config(Policies.policy(3, 0, SchedulingMode.STRICT, 10, 0)), now);
    assertThat(rec.admitted).containsExactly(a, b, c);
    core.reload(Policies.config(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0)), now);
    long d = arrive(LOW);
    complete(a, 1);
    complete(b, 1);
    assertThat(rec.answered(d)).isFalse();
    complete(c, 1);
    assertThat(rec.admitted).contains(d);
    assertThat(model().inflight).isEqualTo(1);
  }

  @Test
  void drainingRefusesNewArrivalsAndOptionallyTheQueued() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0));
    long running = arrive(HIGH);
    long queued = arrive(LOW);
    core.drain(false, now);
    long late = arrive(HIGH);
    assertThat(rec.reason(late)).isEqualTo(RejectReason.DRAINING);
    assertThat(rec.rejected.get(late).httpStatus()).isEqualTo(503);
    complete(running, 1);
    assertThat(rec.admitted).contains(queued);
    long queued2 = arrive(LOW);
    core.drain(true, now);
    assertThat(rec.reason(queued2)).isEqualTo(RejectReason.DRAINING);
  }

  @Test
  void aCallbackThatThrowsDoesNotStopLaterDecisions() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0));
    AdmissionCallback broken =
        new AdmissionCallback() {
          @Override
          public void onAdmitted(long ticket, long queueWaitNanos) {
            throw new IllegalStateException("edge bug");
          }

          @Override
          public void onRejected(long ticket, Rejection rejection) {
            throw new IllegalStateException("edge bug");
          }
        };
    core.arrive(100, "m", HIGH, NO_DEADLINE, null, 1, broken, now, now);
    core.arrive(101, "m", HIGH, NO_DEADLINE, null, 1, broken, now, now);
    long next = arrive(LOW);
    assertThat(core.callbackFailures()).isEqualTo(1);
    core.complete(100, Outcome.OK, MS, now);
    assertThat(core.callbackFailures()).isEqualTo(2);
    core.complete(101, Outcome.OK, MS, now);
    assertThat(rec.admitted).containsExactly(next);
  }

  @Test
  void theSnapshotCountsPerClass() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 1, 0));
    arrive(HIGH);
    arrive(LOW);
    arrive(LOW);
    AdmissionSnapshot s = core.publishSnapshot(now);
    AdmissionSnapshot.Model m = s.models().get("m");
    assertThat(m.limit()).isEqualTo(1);
    assertThat(m.inflight()).isEqualTo(1);
    assertThat(m.of(HIGH).admitted()).isEqualTo(1);
    assertThat(m.of(LOW).queueDepth()).isEqualTo(1);
    assertThat(m.of(LOW).shedByReason()).containsEntry(RejectReason.QUEUE_FULL, 1L);
    assertThat(m.of(LOW).shed()).isEqualTo(1);
    assertThat(core.published()).isSameAs(s);
  }

  @Test
  void unknownModelsGetTheDefaultPolicyAndNullPriorityTheModelDefault() {
    start(Policies.policy(1, 0, SchedulingMode.STRICT, 10, 0));
    core.arrive(7, "other", null, NO_DEADLINE, null, 1, rec, now, now);
    assertThat(core.modelState("other").bands[Priority.MEDIUM.ordinal()].admitted).isEqualTo(1);
  }
}
