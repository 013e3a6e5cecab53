package ai.aim.scheduler.client;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Bounded exponential backoff with jitter: attempt n waits a random time in
 * [d/2, d] where d = min(max, initial * 2^n). The jitter keeps a fleet of sidecars from
 * reconnecting in lock step after a scheduler restart. Not thread-safe; owned by the link thread.
 */
final class Backoff {
    private final long initialNanos;
    private final long maxNanos;
    private final DoubleSupplier random;
    private int attempts;

    Backoff(Duration initial, Duration max, DoubleSupplier random) {
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initialBackoff: " + initial + " (expected: > 0)");
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("maxBackoff: " + max + " (expected: >= initialBackoff " + initial + ")");
        }
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
        this.random = random;
    }

    /** The delay before the next attempt; each call counts one attempt. */
    long nextDelayNanos() {
        int shift = Math.min(attempts++, 30);
        long ceiling = initialNanos << shift;
        if (ceiling <= 0 || ceiling > maxNanos) {
            ceiling = maxNanos;
        }
        return (long) (ceiling * (0.5 + 0.5 * random.getAsDouble()));
    }

    void reset() {
        attempts = 0;
    }

    int attempts() {
        return attempts;
    }
}
