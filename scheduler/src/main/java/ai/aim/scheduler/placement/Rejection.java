package ai.aim.scheduler.placement;

/** Why one partition was not chosen for a model: the partition's name, a code and a readable detail. */
public record Rejection(String partition, Reason reason, String detail) {

    /** Rejection codes, in the order the filters apply. */
    public enum Reason {
        /** The node is gone or cordoned. */
        UNAVAILABLE,
        /** Another partition is pinned. */
        NOT_PINNED,
        COMPUTE_MODE,
        MEMORY_MODE,
        INSUFFICIENT_MEMORY
    }

    @Override
    public String toString() {
        return partition + ": " + detail;
    }
}
