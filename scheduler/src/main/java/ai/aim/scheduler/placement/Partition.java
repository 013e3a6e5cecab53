package ai.aim.scheduler.placement;

import java.util.Objects;

/**
 * One schedulable GPU partition (the spec of a GpuPartition resource): where it is, its modes, its
 * memory and the device-plugin resource that requests it. {@code name} is unique cluster-wide.
 * Immutable.
 */
public record Partition(
        String name,
        String node,
        String gpuId,
        String partitionId,
        ComputeMode computeMode,
        MemoryMode memoryMode,
        long memoryTotalBytes,
        String resourceName) {

    public Partition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(gpuId, "gpuId");
        Objects.requireNonNull(partitionId, "partitionId");
        Objects.requireNonNull(computeMode, "computeMode");
        Objects.requireNonNull(memoryMode, "memoryMode");
        Objects.requireNonNull(resourceName, "resourceName");
        if (memoryTotalBytes < 0) {
            throw new IllegalArgumentException("memoryTotalBytes: " + memoryTotalBytes + " (expected: >= 0)");
        }
    }

    /** The physical GPU this partition belongs to: node and GPU id. */
    public String physicalGpu() {
        return node + "/" + gpuId;
    }
}
