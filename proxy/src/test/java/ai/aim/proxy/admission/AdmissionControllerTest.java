package ai.aim.proxy.admission;

import static ai.aim.proxy.admission.AdmissionController.NO_DEADLINE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.metrics.Outcome;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The controller through its real ring and consumer thread. */
class AdmissionControllerTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private AdmissionController controller;

  /** Thread-safe callback recorder for the threaded tests. */
  static final class Calls implements AdmissionCallback {
    final Map<Long, String> byTicket = new ConcurrentHashMap<>();
    final List<Long> admitted = new CopyOnWriteArrayList<>();
    final List<Rejection> rejections = new CopyOnWriteArrayList<>();
    final AtomicInteger duplicates = new AtomicInteger();
    final AtomicInteger answers = new AtomicInteger();

    @Override
    public void onAdmitted(long ticket, long queueWaitNanos) {
      answers.incrementAndGet();
      if (byTicket.put(ticket, "admitted") != null) {
        duplicates.incrementAndGet();
      }
      admitted.add(ticket);
    }

    @Override
    public void onRejected(long ticket, Rejection rejection) {
      answers.incrementAndGet();
      if (ticket >= 0 && byTicket.put(ticket, "rejected:" + rejection.reason()) != null) {
        duplicates.incrementAndGet();
      }
      rejections.add(rejection);
    }
  }

  private static AdmissionConfig config(int limit, int maxQueue) {
    return Policies.config(Policies.policy(limit, 0, SchedulingMode.STRICT, maxQueue, 0));
  }

  @AfterEach
  void stop() {
    if (controller != null) {
      controller.close();
    }
  }

  @Test
  void theAdmissionThreadWakesForAnOvercommitWaitThatEndsBeforeTheNextTick() {
    ModelPolicy p = Policies.withHighOvercommitAfter(
        Policies.withHighOvercommit(Policies.policy(1, 0, SchedulingMode.STRICT, 8, 0), 1), 50);
    // A tick of ten minutes: only the wake-up for the due wait can dispatch the HIGH request
    // within the test's wait.
    controller = AdmissionController.start(
        new AdmissionConfig(p, Map.of(), 1024, 600_000, 1_000, 1_000, 0.5), System::nanoTime);
    Calls calls = new Calls();
    long low = controller.submit("m", Priority.LOW, NO_DEADLINE, null, 1, calls);
    await().atMost(WAIT).until(() -> calls.admitted.contains(low));
    long high = controller.submit("m", Priority.HIGH, NO_DEADLINE, null, 1, calls);
    await().atMost(WAIT).until(() -> calls.admitted.contains(high));
    assertThat(calls.admitted).containsExactly(low, high);
  }

  @Test
  void refusalsThatNeedNoDecisionAreMadeOnTheCallersThreadAndStillCounted() {
    controller =
        AdmissionController.start(
            Policies.config(Policies.policy(1, 0, SchedulingMode.STRICT, 1, 60_000)),
            System::nanoTime);
    Calls calls = new Calls();
    long running = controller.submit("m", Priority.HIGH, NO_DEADLINE, null, 1, calls);
    controller.submit("m", Priority.HIGH, NO_DEADLINE, null, 1, calls);
    await().atMost(WAIT).until(() -> calls.admitted.size() == 1);
    assertThat(calls.admitted).containsExactly(running);
    // HIGH's queue (bound 1) is full once the consumer has seen the queued one: the gate says so.
    await()
        .atMost(WAIT)
        .until(() -> controller.core().gate("m").refusal(0) == RejectReason.QUEUE_FULL);

    Thread caller = Thread.currentThread();
    Thread[] answeredOn = new Thread[1];
    AdmissionCallback onThisThread =
        new AdmissionCallback() {
          @Override
          public void onAdmitted(long ticket, long queueWaitNanos) {
            answeredOn[0] = Thread.currentThread();
          }

          @Override
          public void onRejected(long ticket, Rejection rejection) {
            answeredOn[0] = Thread.currentThread();
            calls.onRejected(ticket, rejection);
          }
        };
    long full = controller.submit("m", Priority.HIGH, NO_DEADLINE, null, 1, onThisThread);
    assertThat(full).isEqualTo(AdmissionController.NO_TICKET);
    assertThat(answeredOn[0]).isSameAs(caller);
    assertThat(calls.rejections).extracting(Rejection::reason).containsExactly(RejectReason.QUEUE_FULL);

    // HIGH overflowed, so LOW (which would queue) is refused at once as outranked.
    await()
        .atMost(WAIT)
        .until(() -> controller.core().gate("m").refusal(2) == RejectReason.OUTRANKED);
    answeredOn[0] = null;
    long low = controller.submit("m", Priority.LOW, NO_DEADLINE, null, 1, onThisThread);
    assertThat(low).isEqualTo(AdmissionController.NO_TICKET);
    assertThat(answeredOn[0]).isSameAs(caller);
    assertThat(calls.rejections.get(1).reason()).isEqualTo(RejectReason.OUTRANKED);
    assertThat(calls.rejections.get(1).httpStatus()).isEqualTo(429);

    // The core counts what the gates refused, as if it had refused them itself.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              AdmissionSnapshot.Model m = controller.refreshSnapshot().join().models().get("m");
              assertThat(m.of(Priority.HIGH).shedByReason())
                  .containsEntry(RejectReason.QUEUE_FULL, 1L);
              assertThat(m.of(Priority.LOW).shedByReason())
                  .containsEntry(RejectReason.OUTRANKED, 1L);
            });

    // When HIGH's queue drains the gates open again.
    controller.complete(running, Outcome.OK, 1_000_000);
    await().atMost(WAIT).until(() -> calls.admitted.size() == 2);
    await().atMost(WAIT).until(() -> controller.core().gate("m").refusal(2) == null);
    long next = controller.submit("m", Priority.LOW, NO_DEADLINE, null, 1, calls);
    assertThat(next).isNotEqualTo(AdmissionController.NO_TICKET);
    assertThat(calls.duplicates).hasValue(0);
  }

  @Test
  void admitsQueuesAndReleasesThroughTheRing() {
    controller = AdmissionController.start(config(1, 10), System::nanoTime);
    Calls calls = new Calls();
    long a = controller.submit("m", Priority.LOW, NO_DEADLINE, null, 10, calls);
    long b = controller.submit("m", Priority.HIGH, NO_DEADLINE, "t", 10, calls);
    await().atMost(WAIT).until(() -> calls.admitted.size() == 1);
    assertThat(calls.admitted).containsExactly(a);
    controller.complete(a, Outcome.OK, 1_000_000);
    await().atMost(WAIT).until(() -> calls.admitted.size() == 2);
    assertThat(calls.admitted).containsExactly(a, b);
    controller.cancel(b);
    AdmissionSnapshot s = controller.refreshSnapshot().join();
    assertThat(s.models().get("m").inflight()).isZero();
    assertThat(s.models().get("m").of(Priority.HIGH).admitted()).isEqualTo(1);
    assertThat(controller.snapshot()).isSameAs(s);
    assertThat(calls.duplicates).hasValue(0);
  }

  @Test
  void aCancelledQueuedTicketNeverGetsACallback() {
    controller = AdmissionController.start(config(1, 10), System::nanoTime);
    Calls calls = new Calls();
    long running = controller.submit("m", Priority.HIGH, NO_DEADLINE, null, 1, calls);
    long queued = controller.submit("m", Priority.LOW, NO_DEADLINE, null, 1, calls);
    controller.cancel(queued);
    controller.complete(running, Outcome.OK, 1);
    long after = controller.submit("m", Priority.LOW, NO_DEADLINE, null, 1, calls);
    await().atMost(WAIT).until(() -> calls.byTicket.containsKey(after));
    assertThat(calls.byTicket).doesNotContainKey(queued);
    assertThat(calls.admitted).containsExactly(running, after);
  }

  @Test
  void aThrowingCallbackDoesNotStopTheAdmissionThread() {
    controller = AdmissionController.start(config(4, 10), System::nanoTime);
    AdmissionCallback throwsRuntime =
        new AdmissionCallback() {
          @Override
          public void onAdmitted(long ticket, long queueWaitNanos) {
            throw new IllegalStateException("edge bug");
          }

          @Override
          public void onRejected(long ticket, Rejection rejection) {}
        };
    AdmissionCallback throwsError =
        new AdmissionCallback() {
          @Override
          public void onAdmitted(long ticket, long queueWaitNanos) {
            throw new AssertionError("worse edge bug"); // reaches the ring's exception handler
          }

          @Override
          public void onRejected(long ticket, Rejection rejection) {}
        };
    controller.submit("m", Priority.HIGH, NO_DEADLINE, null, 1, throwsRuntime);
    controller.submit("m", Priority.HIGH, NO_DEADLINE, null, 1, throwsError);
    Calls calls = new Calls();
    long next = controller.submit("m", Priority.LOW, NO_DEADLINE, null, 1, calls);
    await().atMost(WAIT).until(() -> calls.admitted.contains(next));
    assertThat(controller.refreshSnapshot().join().models().get("m").inflight()).isEqualTo(3);
  }

  @Test
  void aFullRingRefusesOnTheCallersThreadWithSaturated() throws Exception {
    AdmissionConfig small =
        new AdmissionConfig(
            Policies.policy(64, 0, SchedulingMode.STRICT, 10, 0).withScheduling(
                SchedulingMode.STRICT),
            Map.of(), 4, 10, 1_000, 1_000, 0.5);
    controller = AdmissionController.start(small, System::nanoTime);
    CountDownLatch inCallback = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AdmissionCallback blocking =
        new AdmissionCallback() {
          @Override
          public void onAdmitted(long ticket, long queueWaitNanos) {
            inCallback.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }

          @Override
          public void onRejected(long ticket, Rejection rejection) {}
        };
    controller.submit("m", Priority.HIGH, NO_DEADLINE, null, 1, blocking);
    assertThat(inCallback.await(10, TimeUnit.SECONDS)).isTrue();
    Calls calls = new Calls();
    long[] tickets = new long[6];
    for (int i = 0; i < tickets.length; i++) {
      tickets[i] = controller.submit("m", Priority.LOW, NO_DEADLINE, null, 1, calls);
    }
    assertThat(tickets).contains(AdmissionController.NO_TICKET);
    assertThat(calls.rejections).isNotEmpty();
    assertThat(calls.rejections.get(0).reason()).isEqualTo(RejectReason.SATURATED);
    assertThat(calls.rejections.get(0).httpStatus()).isEqualTo(429);
    release.countDown();
    long accepted = tickets.length - calls.rejections.size();
    await().atMost(WAIT).until(() -> calls.admitted.size() == accepted);
  }

  @Test
  void aRefusalOnAFullRingTakesItsRetryAfterFromThePublishedDepthAndDrainRate() {
    java.util.function.BiFunction<Integer, Double, AdmissionSnapshot.Class> low =
        (depth, rate) -> new AdmissionSnapshot.Class(Priority.LOW, depth, 0, 4, 0, Map.of(), 0, rate, 0);
    java.util.function.Function<AdmissionSnapshot.Class, AdmissionSnapshot> snap = c ->
        new AdmissionSnapshot(0, Map.of("m", new AdmissionSnapshot.Model("m", 4, 0, 4, 100, false,
            List.of(
                new AdmissionSnapshot.Class(Priority.HIGH, 0, 0, 4, 0, Map.of(), 0, 0, 0),
                new AdmissionSnapshot.Class(Priority.MEDIUM, 0, 0, 4, 0, Map.of(), 0, 0, 0),
                c), AdmissionSnapshot.Engine.DISABLED, 0, 0)));
    assertThat(AdmissionController.retryAfterMillis(snap.apply(low.apply(10, 4.0)), "m", Priority.LOW))
        .isEqualTo(3_000); // ceil(10 queued / 4 per second)
    assertThat(AdmissionController.retryAfterMillis(snap.apply(low.apply(10, 0.5)), "m", Priority.LOW))
        .isEqualTo(20_000);
    assertThat(AdmissionController.retryAfterMillis(snap.apply(low.apply(3, 0.0)), "m", Priority.LOW))
        .isEqualTo(60_000); // queued, nothing drained
    assertThat(AdmissionController.retryAfterMillis(snap.apply(low.apply(10, 4.0)), "m", Priority.HIGH))
        .isEqualTo(1_000); // HIGH's own queue is empty
    assertThat(AdmissionController.retryAfterMillis(snap.apply(low.apply(10, 4.0)), "other", Priority.LOW))
        .isEqualTo(1_000);
  }

  @Test
  void reloadAppliesThroughTheRingWithoutDroppingQueuedWork() {
    controller = AdmissionController.start(config(1, 10), System::nanoTime);
    Calls calls = new Calls();
    for (int i = 0; i < 3; i++) {
      controller.submit("m", Priority.MEDIUM, NO_DEADLINE, null, 1, calls);
    }
    await().atMost(WAIT).until(() -> calls.admitted.size() == 1);
    controller.reload(config(3, 10));
    await().atMost(WAIT).until(() -> calls.admitted.size() == 3);
    assertThat(controller.config().defaults().limit().maxInflight()).isEqualTo(3);
  }

  @Test
  void engineSignalsTravelTheRing() {
    EnginePolicy e = new EnginePolicy(true, 0.9, 0.97, 100, 200, 60_000, 0.5, 1_000);
    controller =
        AdmissionController.start(
            Policies.config(
                Policies.withEngine(Policies.policy(4, 0, SchedulingMode.STRICT, 10, 0), e)),
            System::nanoTime);
    controller.updateEngineSignal("m", 0, 0.95, System.nanoTime());
    Calls calls = new Calls();
    long low = controller.submit("m", Priority.LOW, NO_DEADLINE, null, 1, calls);
    long high = controller.submit("m", Priority.HIGH, NO_DEADLINE, null, 1, calls);
    await().atMost(WAIT).until(() -> calls.admitted.contains(high));
    AdmissionSnapshot s = controller.refreshSnapshot().join();
    assertThat(s.models().get("m").engineSaturated()).isTrue();
    assertThat(s.models().get("m").of(Priority.LOW).queueDepth()).isEqualTo(1);
    assertThat(calls.byTicket).doesNotContainKey(low);
  }

  @Test
  void closeRefusesQueuedAndLaterRequestsWithDraining() {
    controller = AdmissionController.start(config(1, 10), System::nanoTime);
    Calls calls = new Calls();
    controller.submit("m", Priority.HIGH, NO_DEADLINE, null, 1, calls);
    long queued = controller.submit("m", Priority.LOW, NO_DEADLINE, null, 1, calls);
    controller.close();
    assertThat(calls.byTicket).containsEntry(queued, "rejected:DRAINING");
    long late = controller.submit("m", Priority.LOW, NO_DEADLINE, null, 1, calls);
    assertThat(late).isEqualTo(AdmissionController.NO_TICKET);
    assertThat(calls.rejections.get(calls.rejections.size() - 1).reason())
        .isEqualTo(RejectReason.DRAINING);
    assertThat(calls.rejections.get(calls.rejections.size() - 1).httpStatus()).isEqualTo(503);
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void callsAfterCloseReturnWithoutWaitingForTheStoppedRing() {
    AdmissionConfig tiny =
        new AdmissionConfig(Policies.policy(64, 0, SchedulingMode.STRICT, 10, 0), Map.of(), 4, 10,
            1_000, 1_000, 0.5);
    controller = AdmissionController.start(tiny, System::nanoTime);
    Calls calls = new Calls();
    long t = controller.submit("m", Priority.HIGH, NO_DEADLINE, null, 1, calls);
    await().atMost(WAIT).until(() -> calls.admitted.contains(t));
    controller.close();
    for (int i = 0; i < 20; i++) { // five times the ring: a publish would wait forever
      controller.complete(t, Outcome.OK, 1);
      controller.cancel(t);
      controller.updateEngineSignal("m", 0, 0.1, System.nanoTime());
    }
    controller.reload(tiny);
    controller.drain();
    assertThat(controller.refreshSnapshot().join()).isNotNull();
  }

  @Test
  void twoProducersGetEveryTicketAnsweredExactlyOnce() throws Exception {
    controller = AdmissionController.start(config(8, 100_000), System::nanoTime);
    Calls calls = new Calls();
    int perThread = 20_000;
    Runnable producer =
        () -> {
          for (int i = 0; i < perThread; i++) {
            long t = controller.submit("m", Priority.ofOrdinal(i % 3), NO_DEADLINE, "t" + (i % 5),
                1 + i % 100, calls);
            controller.complete(t, Outcome.OK, 1_000);
          }
        };
    Thread p1 = new Thread(producer);
    Thread p2 = new Thread(producer);
    p1.start();
    p2.start();
    p1.join();
    p2.join();
    // a submit that finds the ring full is refused at once (NO_TICKET): still one answer each
    await().atMost(WAIT).until(() -> calls.answers.get() == 2 * perThread);
    assertThat(calls.duplicates).hasValue(0);
    AdmissionSnapshot s = controller.refreshSnapshot().join();
    assertThat(s.models().get("m").inflight()).isZero();
    assertThat(controller.core().outstandingTickets()).isZero();
  }

  @Test
  void steadyStateDecisionsAllocateNothingOnTheDecidingThread() {
    com.sun.management.ThreadMXBean bean =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long[] clock = {0};
    AdmissionController inline = AdmissionController.inline(config(4, 1_000), () -> clock[0]);
    AdmissionCallback noop =
        new AdmissionCallback() {
          @Override
          public void onAdmitted(long ticket, long queueWaitNanos) {}

          @Override
          public void onRejected(long ticket, Rejection rejection) {}
        };
    String[] tenants = {"a", "b", "c"};
    Runnable round =
        () -> {
          for (int i = 0; i < 100_000; i++) {
            clock[0] += 1_000;
            long t1 = inline.submit("m", Priority.LOW, NO_DEADLINE, tenants[i % 3], 100, noop);
            long t2 = inline.submit("m", Priority.HIGH, NO_DEADLINE, tenants[i % 3], 100, noop);
            long t3 = inline.submit("m", Priority.MEDIUM, clock[0] + 1_000_000_000L, null, 50, noop);
            long t4 = inline.submit("m", Priority.LOW, NO_DEADLINE, null, 50, noop);
            long t5 = inline.submit("m", Priority.HIGH, NO_DEADLINE, null, 50, noop); // queued
            inline.complete(t1, Outcome.OK, 1_000_000);
            inline.cancel(t5);
            inline.complete(t2, Outcome.OK, 1_000_000);
            inline.complete(t3, Outcome.OK, 1_000_000);
            inline.complete(t4, Outcome.OK, 1_000_000);
          }
        };
    round.run(); // warm up: pools, tables, interned rejections, JIT
    round.run();
    long before = bean.getCurrentThreadAllocatedBytes();
    round.run();
    long allocated = bean.getCurrentThreadAllocatedBytes() - before;
    // 500 000 decisions; a single allocation per decision would be >= 8 MB
    assertThat(allocated).isLessThan(64 * 1024);
  }
}
