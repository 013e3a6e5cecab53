package ai.aim.scheduler.k8s;

import ai.aim.scheduler.placement.ComputeMode;
import ai.aim.scheduler.placement.MemoryMode;
import ai.aim.scheduler.placement.PlacementRequest;
import ai.aim.scheduler.placement.QosPriority;

/**
 * The GPU sharing configuration of one InferenceService (annotation {@code aim.ai/gpu-sharing}),
 * already validated against {@code schema/gpu-sharing.schema.json}. Null fields were omitted.
 * Immutable.
 */
public record GpuSharingConfig(
        boolean enabled,
        String partitionId,
        ComputeMode computeMode,
        MemoryMode memoryMode,
        double memoryLimitGB,
        String preferredPartition,
        QosPriority qosPriority) {

    /** What placement needs for the model {@code namespace/name}. */
    public PlacementRequest toRequest(String model) {
        return new PlacementRequest(model, computeMode, memoryMode, memoryBytes(), partitionId, preferredPartition, qosPriority);
    }

    /** {@code memoryLimitGB} in bytes (GiB, rounded up). */
    public long memoryBytes() {
        return (long) Math.ceil(memoryLimitGB * (1L << 30));
    }
}
