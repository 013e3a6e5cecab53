package ai.aim.scheduler.placement;

import java.util.List;
import java.util.Optional;

/**
 * Read-only view of the GPU partition inventory and what is promised on it, for readers outside
 * placement (KEDA caps, metrics, status). Thread-safe; every call returns a consistent snapshot.
 */
public interface InventoryView {

    /** All known partitions with their allocations, in {@link Placer#ORDER}. */
    List<PartitionState> partitions();

    Optional<PartitionState> partition(String name);

    /** Where a model ({@code namespace/name}) is placed, if it is. */
    Optional<PartitionState> placementOf(String model);

    /**
     * How many distinct available partitions could take one more replica needing {@code memoryBytes}
     * in these modes (null = any mode). A device-plugin partition resource is exclusive to one pod,
     * so this is the number of further pods of that shape the cluster can start: the cap for
     * scaling out.
     */
    int countPlaceable(ComputeMode computeMode, MemoryMode memoryMode, long memoryBytes);
}
