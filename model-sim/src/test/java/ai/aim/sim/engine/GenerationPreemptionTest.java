package ai.aim.sim.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.sim.SchedulingPolicy;
import ai.aim.sim.ServiceDistribution;
import io.netty.channel.DefaultEventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Generations on a real event loop and real timers, preempted by a PRIORITY engine. */
class GenerationPreemptionTest {
  final EventExecutor loopA = new DefaultEventLoop();
  final EventExecutor loopB = new DefaultEventLoop();
  final List<String> events = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    loopA.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
    loopB.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
  }

  Generation.Listener record(String name) {
    return new Generation.Listener() {
      @Override
      public void rejected(Ticket.State reason) {
        events.add(name + " rejected " + reason);
      }

      @Override
      public void started() {
        events.add(name + " started");
      }

      @Override
      public void token(int index) {
        events.add(name + " token " + index);
      }

      @Override
      public void finished() {
        events.add(name + " finished");
      }
    };
  }

  @Test
  void aPreemptedStreamEmitsEveryTokenOnceInOrderAndFinishesAfterTheRequestThatTookItsSlot() {
    Engine engine = new Engine(1, 10, 1_000_000, SchedulingPolicy.PRIORITY);
    // 10 ms base + 100 ms per token: the 20-token LOW stream runs about 2 s, HIGH about 0.1 s.
    ServiceTimes times = new ServiceTimes(10, ServiceDistribution.CONSTANT, 0, 100, 1);
    Generation.begin(engine, times, loopA, 8, 2, 20, true, record("low"));
    await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("low token 0"));

    Generation.begin(engine, times, loopB, 8, 0, 1, false, record("high"));

    await().atMost(Duration.ofSeconds(30)).until(() -> events.contains("low finished"));
    assertThat(engine.snapshot().preempted()).isEqualTo(1);
    assertThat(engine.snapshot().completed()).isEqualTo(2);
    assertThat(events.indexOf("high finished")).isLessThan(events.indexOf("low finished"));
    assertThat(events.stream().filter(e -> e.startsWith("low token")))
        .containsExactly(java.util.stream.IntStream.range(0, 20)
            .mapToObj(i -> "low token " + i).toArray(String[]::new));
    assertThat(events.stream().filter(e -> e.equals("low started"))).hasSize(1);
    assertThat(engine.running()).isZero();
  }

  @Test
  void aPreemptedRequestWhoseClientLeavesWhileItWaitsFreesItsQueuePlace() {
    Engine engine = new Engine(1, 10, 1_000_000, SchedulingPolicy.PRIORITY);
    ServiceTimes times = new ServiceTimes(10, ServiceDistribution.CONSTANT, 0, 100, 1);
    Generation low = Generation.begin(engine, times, loopA, 8, 2, 20, true, record("low"));
    await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("low token 0"));
    Generation.begin(engine, times, loopB, 8, 0, 50, false, record("high"));
    await().atMost(Duration.ofSeconds(10)).until(() -> engine.waiting() == 1);

    low.cancel();

    await().atMost(Duration.ofSeconds(10)).until(() -> engine.snapshot().cancelled() == 1);
    assertThat(engine.waiting()).isZero();
    await().atMost(Duration.ofSeconds(30)).until(() -> events.contains("high finished"));
    assertThat(events).doesNotContain("low finished");
    assertThat(engine.running()).isZero();
  }
}
