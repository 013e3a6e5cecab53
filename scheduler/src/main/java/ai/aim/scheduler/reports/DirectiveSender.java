package ai.aim.scheduler.reports;

import java.time.Duration;

/**
 * Sends directives to connected sidecars. Thread-safe: any thread may call. A send returns false
 * when the pod has no open stream right now (nothing is queued for later: directives are advice
 * about the present, and a reconnecting sidecar reports its state afresh).
 */
public interface DirectiveSender {

    /**
     * Overrides the concurrency limit of {@code model} ("" = all models) in one pod for {@code ttl};
     * a limit of 0 clears an earlier override.
     */
    boolean sendLimitOverride(PodKey pod, String model, int limit, Duration ttl, String reason);

    /** Asks one pod to stop admitting new work for {@code duration} (zero = until it ends). */
    boolean sendDrain(PodKey pod, String reason, Duration duration);

    /** The last directive sequence the pod acknowledged on its current stream (0 = none). */
    long lastAcknowledged(PodKey pod);
}
