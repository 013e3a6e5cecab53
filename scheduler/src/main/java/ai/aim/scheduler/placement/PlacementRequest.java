package ai.aim.scheduler.placement;

import java.util.Objects;

/**
 * What a model needs: modes (null = any), memory, an optional pinned partition (must be that one)
 * and an optional preferred partition (that one if it fits, otherwise the usual choice), its QoS
 * priority. {@code model} is {@code namespace/name}. Immutable.
 */
public record PlacementRequest(
        String model,
        ComputeMode computeMode,
        MemoryMode memoryMode,
        long memoryBytes,
        String pinnedPartition,
        String preferredPartition,
        QosPriority priority) {

    public PlacementRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(priority, "priority");
        if (memoryBytes < 0) {
            throw new IllegalArgumentException("memoryBytes: " + memoryBytes + " (expected: >= 0)");
        }
    }
}
