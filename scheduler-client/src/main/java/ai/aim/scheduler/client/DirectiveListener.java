package ai.aim.scheduler.client;

import ai.aim.scheduler.client.v1.Drain;
import ai.aim.scheduler.client.v1.LimitOverride;

/**
 * Receives what the scheduler tells a sidecar. Called on the {@link SchedulerLink}'s own thread,
 * one call at a time; implementations should hand the value over (e.g. to the admission ring) and
 * return quickly. An exception thrown here is caught, logged and acknowledged as not applied.
 */
public interface DirectiveListener {

    /**
     * Enforce {@code override.getLimit()} for {@code override.getModel()} (empty = all models)
     * until {@code expiresAtNanos} on the link's nano clock; a limit of 0 clears the override.
     *
     * @return true if applied (acknowledged as such to the scheduler)
     */
    default boolean onLimitOverride(LimitOverride override, long expiresAtNanos) {
        return false;
    }

    /** Stop admitting new requests and let in-flight ones finish. */
    default boolean onDrain(Drain drain) {
        return false;
    }

    /** The session to the scheduler was established (true) or lost (false). */
    default void onConnectionChange(boolean connected) {
    }

    /** A listener that ignores everything. */
    DirectiveListener NONE = new DirectiveListener() { };
}
