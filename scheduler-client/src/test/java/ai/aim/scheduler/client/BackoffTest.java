package ai.aim.scheduler.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesFromTheInitialDelayAndStopsAtTheMaximum() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000), () -> 1.0);
        assertThat(b.nextDelayNanos()).isEqualTo(Duration.ofMillis(100).toNanos());
        assertThat(b.nextDelayNanos()).isEqualTo(Duration.ofMillis(200).toNanos());
        assertThat(b.nextDelayNanos()).isEqualTo(Duration.ofMillis(400).toNanos());
        assertThat(b.nextDelayNanos()).isEqualTo(Duration.ofMillis(800).toNanos());
        for (int i = 0; i < 100; i++) {
            assertThat(b.nextDelayNanos()).isEqualTo(Duration.ofMillis(1000).toNanos());
        }
    }

    @Test
    void jitterKeepsEachDelayBetweenHalfAndAllOfTheCeiling() {
        Backoff low = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.0);
        assertThat(low.nextDelayNanos()).isEqualTo(Duration.ofMillis(50).toNanos());
        Backoff mid = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 0.5);
        assertThat(mid.nextDelayNanos()).isEqualTo(Duration.ofMillis(75).toNanos());
    }

    @Test
    void resetStartsOverFromTheInitialDelay() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 1.0);
        b.nextDelayNanos();
        b.nextDelayNanos();
        b.reset();
        assertThat(b.attempts()).isZero();
        assertThat(b.nextDelayNanos()).isEqualTo(Duration.ofMillis(100).toNanos());
    }

    @Test
    void rejectsAMaximumBelowTheInitialDelay() {
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), () -> 1.0))
                .hasMessageContaining("maxBackoff").hasMessageContaining("expected");
    }
}
