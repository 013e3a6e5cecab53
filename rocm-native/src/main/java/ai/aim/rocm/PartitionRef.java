package ai.aim.rocm;

/**
 * Names one partition: GPU index and partition index within it, as in the snapshots.
 * Immutable.
 */
public record PartitionRef(int gpuId, int partitionId) {
  public PartitionRef {
    Checks.nonNegative("gpuId", gpuId);
    Checks.nonNegative("partitionId", partitionId);
  }

  @Override
  public String toString() {
    return gpuId + "/" + partitionId;
  }
}
