package ai.aim.rocm;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One physical GPU and its partitions at one sampling instant. Immutable; safe to share.
 *
 * <p>Invariant: each optional field (and each available-modes set) is empty exactly when {@code
 * unknownReasons} says why. A GPU always has at least one partition: a GPU that cannot be
 * partitioned is reported as one partition holding the whole device.
 *
 * @param gpuId index of the GPU in the snapshot (0-based)
 * @param deviceId the source's name for the device: a PCI address for AMD SMI, the card
 *     directory for sysfs ({@code card1}), the YAML name for the simulated source
 * @param vramTotalBytes VRAM of the whole GPU
 * @param vramUsedBytes VRAM in use on the whole GPU
 * @param utilization whole-GPU busy fraction, 0..1
 */
public record GpuSnapshot(
    int gpuId,
    String deviceId,
    Optional<ComputePartition> computePartition,
    Optional<MemoryPartition> memoryPartition,
    Set<ComputePartition> availableComputePartitions,
    Set<MemoryPartition> availableMemoryPartitions,
    OptionalLong vramTotalBytes,
    OptionalLong vramUsedBytes,
    OptionalDouble utilization,
    List<PartitionSnapshot> partitions,
    Map<Field, String> unknownReasons) {

  public GpuSnapshot {
    Checks.nonNegative("gpuId", gpuId);
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(computePartition, "computePartition");
    Objects.requireNonNull(memoryPartition, "memoryPartition");
    Objects.requireNonNull(vramTotalBytes, "vramTotalBytes");
    Objects.requireNonNull(vramUsedBytes, "vramUsedBytes");
    Objects.requireNonNull(utilization, "utilization");
    availableComputePartitions = Set.copyOf(availableComputePartitions);
    availableMemoryPartitions = Set.copyOf(availableMemoryPartitions);
    partitions = List.copyOf(partitions);
    unknownReasons = Map.copyOf(unknownReasons);
    if (partitions.isEmpty()) {
      throw new IllegalArgumentException("gpu " + gpuId + ": no partitions (expected: >= 1)");
    }
    for (PartitionSnapshot p : partitions) {
      if (p.gpuId() != gpuId) {
        throw new IllegalArgumentException(
            "gpu " + gpuId + ": holds a partition of gpu " + p.gpuId() + " (expected: " + gpuId + ")");
      }
    }
    String what = "gpu " + gpuId;
    Checks.known(what, Field.COMPUTE_PARTITION, computePartition, unknownReasons);
    Checks.known(what, Field.MEMORY_PARTITION, memoryPartition, unknownReasons);
    Checks.known(
        what, Field.AVAILABLE_COMPUTE_PARTITIONS, availableComputePartitions, unknownReasons);
    Checks.known(what, Field.AVAILABLE_MEMORY_PARTITIONS, availableMemoryPartitions, unknownReasons);
    Checks.known(what, Field.VRAM_TOTAL, vramTotalBytes, unknownReasons);
    Checks.known(what, Field.VRAM_USED, vramUsedBytes, unknownReasons);
    Checks.known(what, Field.UTILIZATION, utilization, unknownReasons);
  }

  /** Why {@code field} is unknown for the whole GPU, or empty when it is known. */
  public Optional<String> unknownReason(Field field) {
    return Optional.ofNullable(unknownReasons.get(field));
  }
}
