package ai.aim.proxy.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SpinThenBlockWaitStrategyTest {

  /** The part of a barrier the strategy uses: the alert flag. */
  private static final class Barrier implements SequenceBarrier {
    private volatile boolean alerted;

    @Override
    public long waitFor(long sequence) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long getCursor() {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean isAlerted() {
      return alerted;
    }

    @Override
    public void alert() {
      alerted = true;
    }

    @Override
    public void clearAlert() {
      alerted = false;
    }

    @Override
    public void checkAlert() throws AlertException {
      if (alerted) {
        throw AlertException.INSTANCE;
      }
    }
  }

  private final Sequence cursor = new Sequence(-1);
  private final Barrier barrier = new Barrier();

  @Test
  void aWaitWithNothingPublishedEndsInATimeoutSoTheTimerRuns() {
    SpinThenBlockWaitStrategy s = new SpinThenBlockWaitStrategy(1_000, 1_000, 5, TimeUnit.MILLISECONDS);

    assertThatThrownBy(() -> s.waitFor(0, cursor, cursor, barrier))
        .isInstanceOf(TimeoutException.class);
  }

  @Test
  void aPublishedSequenceIsReturnedWithoutWaiting() throws Exception {
    SpinThenBlockWaitStrategy s = new SpinThenBlockWaitStrategy(1_000, 1_000, 1, TimeUnit.MINUTES);
    cursor.set(3);

    assertThat(s.waitFor(2, cursor, cursor, barrier)).isEqualTo(3);
  }

  @Test
  void aWaitReportsAtMostMaxBatchSequencesSoTheConsumerHandsSlotsBackInBoundedBatches()
      throws Exception {
    SpinThenBlockWaitStrategy s =
        new SpinThenBlockWaitStrategy(1_000, 1_000, 1, TimeUnit.MINUTES, 16);
    cursor.set(1_000);

    assertThat(s.waitFor(2, cursor, cursor, barrier)).isEqualTo(17);
    assertThat(s.waitFor(990, cursor, cursor, barrier)).isEqualTo(1_000);
  }

  @Test
  void aBatchBoundBelowOneIsRefusedWithTheExpectedRange() {
    assertThatThrownBy(() -> new SpinThenBlockWaitStrategy(0, 0, 1, TimeUnit.MILLISECONDS, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBatch");
  }

  @Test
  void anIdleBlockedConsumerIsWokenByThePublishThatSignals() throws Exception {
    SpinThenBlockWaitStrategy s = new SpinThenBlockWaitStrategy(1_000, 1_000, 50, TimeUnit.MILLISECONDS);
    AtomicReference<Thread> waiter = new AtomicReference<>();
    CompletableFuture<Long> got =
        CompletableFuture.supplyAsync(
            () -> {
              waiter.set(Thread.currentThread());
              // Time out first (the consumer is idle: later waits block without spinning), then
              // wait for the publish like the Disruptor's loop does.
              while (true) {
                try {
                  return s.waitFor(0, cursor, cursor, barrier);
                } catch (TimeoutException e) {
                  // the timer would run here
                } catch (AlertException | InterruptedException e) {
                  throw new IllegalStateException(e);
                }
              }
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> waiter.get() != null && waiter.get().getState() == Thread.State.TIMED_WAITING);

    cursor.set(0);
    s.signalAllWhenBlocking();

    assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo(0L);
  }

  @Test
  void anAlertEndsABlockedWait() {
    SpinThenBlockWaitStrategy s = new SpinThenBlockWaitStrategy(0, 0, 20, TimeUnit.MILLISECONDS);
    barrier.alert();

    assertThatThrownBy(() -> s.waitFor(0, cursor, cursor, barrier))
        .isInstanceOf(AlertException.class);
  }

  @Test
  void negativeSpinTimesAreRefusedWithTheExpectedRange() {
    assertThatThrownBy(() -> new SpinThenBlockWaitStrategy(-1, 0, 1, TimeUnit.MILLISECONDS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("spinNanos");
  }
}
