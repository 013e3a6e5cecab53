package ai.aim.proxy.gpu;

import ai.aim.rocm.PartitionRef;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Bytes of VRAM promised to placed models, per partition: the {@code
 * aim_gpu_partition_memory_allocated_bytes} gauge. The scheduler link will feed a live
 * implementation; until then {@link #fixed} serves the config's {@code gpu.allocations}.
 *
 * <p>Called on the GPU sampler thread; implementations must be thread-safe and fast (no I/O).
 * Partitions missing from the map have nothing allocated.
 */
@FunctionalInterface
public interface AllocationSource {

  /** Bytes promised per partition; never null. */
  Map<PartitionRef, Long> allocatedBytes();

  /** Nothing allocated anywhere. */
  static AllocationSource none() {
    return Map::of;
  }

  /**
   * A fixed list, as read from {@code gpu.allocations}. Entries for the same partition add up.
   */
  static AllocationSource fixed(List<Allocation> allocations) {
    Map<PartitionRef, Long> byPartition = new HashMap<>();
    for (Allocation a : allocations) {
      byPartition.merge(new PartitionRef(a.gpu(), a.partition()), a.bytes(), Math::addExact);
    }
    Map<PartitionRef, Long> frozen = Map.copyOf(byPartition);
    return () -> frozen;
  }
}
