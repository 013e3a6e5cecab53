package ai.aim.rocm;

/**
 * A telemetry field that a source may be unable to read; the key of the {@code unknownReasons}
 * maps in {@link GpuSnapshot} and {@link PartitionSnapshot}.
 */
public enum Field {
  COMPUTE_PARTITION,
  MEMORY_PARTITION,
  AVAILABLE_COMPUTE_PARTITIONS,
  AVAILABLE_MEMORY_PARTITIONS,
  VRAM_TOTAL,
  VRAM_USED,
  UTILIZATION
}
