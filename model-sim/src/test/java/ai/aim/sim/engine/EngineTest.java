package ai.aim.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.sim.ServiceDistribution;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineTest {
  final List<String> started = new ArrayList<>();

  Ticket admit(Engine e, long kv, String name) {
    return e.admit(kv, Runnable::run, () -> started.add(name));
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
