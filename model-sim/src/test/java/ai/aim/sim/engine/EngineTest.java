package ai.aim.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.sim.SchedulingPolicy;
import ai.aim.sim.ServiceDistribution;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineTest {
  final List<String> started = new ArrayList<>();
  final List<String> preempted = new ArrayList<>();

  Ticket admit(Engine e, long kv, String name) {
    return e.admit(kv, Runnable::run, () -> started.add(name));
  }

  /** Records "name#run" for every start and preemption notice. */
  Ticket admit(Engine e, long kv, long priority, String name) {
    return e.admit(kv, priority, Runnable::run, new Ticket.Listener() {
      @Override
      public void started(int run) {
        started.add(name + "#" + run);
      }

      @Override
      public void preempted(int run) {
        preempted.add(name + "#" + run);
      }
    });
  }

  @Test
  void underPriorityAHigherArrivalPreemptsTheWorstRunningRequestWhichResumesLater() {
    Engine e = new Engine(2, 10, 1000, SchedulingPolicy.PRIORITY);
    Ticket low = admit(e, 1, 2, "low");
    admit(e, 1, 1, "medium");
    Ticket high = admit(e, 1, 0, "high");
    assertThat(started).containsExactly("low#1", "medium#1", "high#1");
    assertThat(preempted).containsExactly("low#1");
    assertThat(low.state()).isEqualTo(Ticket.State.QUEUED);
    assertThat(e.running()).isEqualTo(2);
    assertThat(e.waiting()).isEqualTo(1);
    e.complete(high);
    assertThat(started).containsExactly("low#1", "medium#1", "high#1", "low#2");
    e.complete(low);
    assertThat(e.snapshot().preempted()).isEqualTo(1);
    assertThat(e.snapshot().completed()).isEqualTo(2);
  }

  @Test
  void requestsOfEqualOrHigherPriorityAreNeverPreempted() {
    Engine e = new Engine(1, 10, 1000, SchedulingPolicy.PRIORITY);
    admit(e, 1, 1, "first");
    Ticket same = admit(e, 1, 1, "same");
    Ticket lower = admit(e, 1, 5, "lower");
    assertThat(started).containsExactly("first#1");
    assertThat(preempted).isEmpty();
    assertThat(same.state()).isEqualTo(Ticket.State.QUEUED);
    assertThat(lower.state()).isEqualTo(Ticket.State.QUEUED);
  }

  @Test
  void preemptsNothingWhenEvenEveryLowerRequestWouldNotFreeEnoughCache() {
    Engine e = new Engine(4, 10, 100, SchedulingPolicy.PRIORITY);
    admit(e, 60, 0, "big-high");
    admit(e, 30, 2, "low");
    Ticket medium = admit(e, 50, 1, "medium");
    assertThat(preempted).isEmpty();
    assertThat(medium.state()).isEqualTo(Ticket.State.QUEUED);
    assertThat(e.kvUsed()).isEqualTo(90);
  }

  @Test
  void preemptsSeveralLowerRequestsWorstAndLatestFirstWhenOneIsNotEnough() {
    Engine e = new Engine(4, 10, 100, SchedulingPolicy.PRIORITY);
    admit(e, 30, 1, "medium");
    admit(e, 30, 2, "low-early");
    admit(e, 30, 2, "low-late");
    Ticket high = admit(e, 60, 0, "high");
    assertThat(preempted).containsExactly("low-late#1", "low-early#1");
    assertThat(high.state()).isEqualTo(Ticket.State.RUNNING);
    assertThat(e.kvUsed()).isEqualTo(90);
    e.complete(high);
    // Back in rank order: the earlier arrival first; both fit again.
    assertThat(started).endsWith("low-early#2", "low-late#2");
  }

  @Test
  void underPriorityTheQueueIsServedByPriorityValueThenArrival() {
    Engine e = new Engine(1, 10, 1000, SchedulingPolicy.PRIORITY);
    Ticket running = admit(e, 1, 0, "running");
    Ticket d = admit(e, 1, 2, "d");
    Ticket x = admit(e, 1, 1, "x");
    Ticket y = admit(e, 1, 1, "y");
    e.complete(running);
    e.complete(x);
    e.complete(y);
    e.complete(d);
    assertThat(started).containsExactly("running#1", "x#1", "y#1", "d#1");
  }

  @Test
  void firstComeFirstServedNeverPreemptsWhateverThePriority() {
    Engine e = new Engine(1, 10, 1000, SchedulingPolicy.FCFS);
    admit(e, 1, 2, "low");
    Ticket high = admit(e, 1, 0, "high");
    assertThat(preempted).isEmpty();
    assertThat(high.state()).isEqualTo(Ticket.State.QUEUED);
    assertThat(e.snapshot().preempted()).isZero();
  }

  @Test
  void aPreemptedRequestThatIsCancelledLeavesTheQueue() {
    Engine e = new Engine(1, 10, 1000, SchedulingPolicy.PRIORITY);
    Ticket low = admit(e, 1, 2, "low");
    Ticket high = admit(e, 1, 0, "high");
    e.cancel(low);
    assertThat(e.waiting()).isZero();
    e.complete(high);
    assertThat(started).containsExactly("low#1", "high#1");
    assertThat(e.snapshot().cancelled()).isEqualTo(1);
  }

  @Test
  void ranksReadIntegersAndTreatAnythingElseAsZero() {
    assertThat(Engine.rank("3")).isEqualTo(3);
    assertThat(Engine.rank(" -1 ")).isEqualTo(-1);
    assertThat(Engine.rank(null)).isZero();
    assertThat(Engine.rank("high")).isZero();
  }

  @Test
  void startsInArrivalOrderAsSlotsFree() {
    Engine e = new Engine(1, 10, 1000);
    Ticket a = admit(e, 1, "a");
    Ticket b = admit(e, 1, "b");
    Ticket c = admit(e, 1, "c");
    assertThat(started).containsExactly("a");
    assertThat(b.state()).isEqualTo(Ticket.State.QUEUED);
    e.complete(a);
    e.complete(b);
    assertThat(started).containsExactly("a", "b", "c");
    e.complete(c);
    assertThat(e.snapshot().completed()).isEqualTo(3);
    assertThat(e.snapshot().maxConcurrent()).isEqualTo(1);
  }

  @Test
  void aLargeRequestAtTheHeadHoldsBackSmallerOnesBehindIt() {
    Engine e = new Engine(4, 10, 100);
    Ticket big1 = admit(e, 60, "big1");
    admit(e, 60, "big2");
    admit(e, 10, "small");
    assertThat(started).containsExactly("big1");
    assertThat(e.waiting()).isEqualTo(2);
    e.complete(big1);
    assertThat(started).containsExactly("big1", "big2", "small");
    assertThat(e.kvUsed()).isEqualTo(70);
  }

  @Test
  void releasingTwiceCountsOnce() {
    Engine e = new Engine(1, 10, 100);
    Ticket a = admit(e, 1, "a");
    e.cancel(a);
    e.cancel(a);
    e.complete(a);
    assertThat(e.snapshot().cancelled()).isEqualTo(1);
    assertThat(e.snapshot().completed()).isZero();
    assertThat(e.running()).isZero();
  }

  @Test
  void rejectsOverTheQueueBoundAndOverTheCacheSize() {
    Engine e = new Engine(1, 1, 100);
    admit(e, 1, "a");
    admit(e, 1, "b");
    assertThat(admit(e, 1, "c").state()).isEqualTo(Ticket.State.REJECTED_QUEUE_FULL);
    assertThat(admit(e, 101, "d").state()).isEqualTo(Ticket.State.REJECTED_TOO_LARGE);
    assertThat(e.snapshot().rejected()).isEqualTo(2);
  }

  @Test
  void serviceTimeDistributionsHaveTheConfiguredMean() {
    for (ServiceDistribution d : ServiceDistribution.values()) {
      ServiceTimes t = new ServiceTimes(10, d, 0, 0, 7);
      double sum = 0;
      int n = 20_000;
      for (int i = 0; i < n; i++) {
        sum += t.baseNanos();
      }
      assertThat(sum / n / 1e6).as(d.name()).isCloseTo(10, org.assertj.core.data.Offset.offset(0.5));
    }
  }

  @Test
  void planSpendsPrefillBeforeTheFirstTokenAndDecodesPerToken() {
    ServiceTimes t = new ServiceTimes(0, ServiceDistribution.CONSTANT, 100, 5, 1);
    long[] plan = t.plan(1000, 4);
    assertThat(plan).containsExactly(100_000_000L + 5_000_000L, 5_000_000L, 5_000_000L, 5_000_000L);
  }

  @Test
  void estimatesFourCharactersPerToken() {
    assertThat(Tokens.estimate(0)).isZero();
    assertThat(Tokens.estimate(1)).isEqualTo(1);
    assertThat(Tokens.estimate(4)).isEqualTo(1);
    assertThat(Tokens.estimate(5)).isEqualTo(2);
  }
}
