package ai.aim.rocm;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * One GPU partition at one sampling instant. Immutable; safe to share between threads.
 *
 * <p>Invariant: each optional field is empty exactly when {@code unknownReasons} has an entry for
 * its {@link Field} saying why (e.g. {@code "file absent"}, {@code "not supported by the
 * driver"}). {@code utilization} is 0..1; byte counts are {@code >= 0}.
 *
 * @param gpuId index of the physical GPU in the snapshot (0-based, stable for a given host)
 * @param partitionId index of the partition within its GPU (0-based)
 */
public record PartitionSnapshot(
    int gpuId,
    int partitionId,
    Optional<ComputePartition> computePartition,
    Optional<MemoryPartition> memoryPartition,
    OptionalLong vramTotalBytes,
    OptionalLong vramUsedBytes,
    OptionalDouble utilization,
    Map<Field, String> unknownReasons) {

  public PartitionSnapshot {
    Checks.nonNegative("gpuId", gpuId);
    Checks.nonNegative("partitionId", partitionId);
    Objects.requireNonNull(computePartition, "computePartition");
    Objects.requireNonNull(memoryPartition, "memoryPartition");
    Objects.requireNonNull(vramTotalBytes, "vramTotalBytes");
    Objects.requireNonNull(vramUsedBytes, "vramUsedBytes");
    Objects.requireNonNull(utilization, "utilization");
    unknownReasons = Map.copyOf(unknownReasons);
    String what = "partition " + gpuId + "/" + partitionId;
    Checks.known(what, Field.COMPUTE_PARTITION, computePartition, unknownReasons);
    Checks.known(what, Field.MEMORY_PARTITION, memoryPartition, unknownReasons);
    Checks.known(what, Field.VRAM_TOTAL, vramTotalBytes, unknownReasons);
    Checks.known(what, Field.VRAM_USED, vramUsedBytes, unknownReasons);
    Checks.known(what, Field.UTILIZATION, utilization, unknownReasons);
  }

  /** Why {@code field} is unknown, or empty when it is known. */
  public Optional<String> unknownReason(Field field) {
    return Optional.ofNullable(unknownReasons.get(field));
  }
}
