package ai.aim.scheduler.placement;

/** Memory promised on a partition to one placed model ({@code namespace/name}). Immutable. */
public record Allocation(String model, long memoryBytes, QosPriority priority) {
}
