package ai.aim.scheduler.placement;

import java.util.List;

/**
 * A partition with what is promised on it. {@code available} is false when its node is gone or
 * cordoned: nothing new is placed there. Immutable snapshot.
 */
public record PartitionState(Partition partition, List<Allocation> allocations, boolean available) {

    public PartitionState {
        allocations = List.copyOf(allocations);
    }

    public static PartitionState empty(Partition p) {
        return new PartitionState(p, List.of(), true);
    }

    public long allocatedBytes() {
        long sum = 0;
        for (Allocation a : allocations) {
            sum += a.memoryBytes();
        }
        return sum;
    }

    public long freeBytes() {
        return Math.max(0, partition.memoryTotalBytes() - allocatedBytes());
    }

    public long highModels() {
        return allocations.stream().filter(a -> a.priority() == QosPriority.HIGH).count();
    }
}
