package ai.aim.rocm;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The YAML shape of a simulated topology. Example:
 *
 * <pre>
 * gpus:
 *   - name: mi300x
 *     count: 8
 *     computePartition: CPX
 *     memoryPartition: NPS4
 *     availableComputePartitions: [SPX, DPX, QPX, CPX]
 *     availableMemoryPartitions: [NPS1, NPS4]
 *     vramGiB: 192
 *     xcds: 8
 *     reservedBytesPerPartition: 0
 *     utilization: 0.0
 * </pre>
 */
record SimulatedConfig(@JsonProperty(value = "gpus", required = true) List<GpuGroup> gpus) {

  /** {@code count} identical GPUs. */
  record GpuGroup(
      @JsonProperty(value = "name") String name,
      @JsonProperty(value = "count") Integer count,
      @JsonProperty(value = "computePartition", required = true) String computePartition,
      @JsonProperty(value = "memoryPartition", required = true) String memoryPartition,
      @JsonProperty("availableComputePartitions") List<String> availableComputePartitions,
      @JsonProperty("availableMemoryPartitions") List<String> availableMemoryPartitions,
      @JsonProperty(value = "vramGiB", required = true) Long vramGiB,
      @JsonProperty("xcds") Integer xcds,
      @JsonProperty("reservedBytesPerPartition") Long reservedBytesPerPartition,
      @JsonProperty("utilization") Double utilization) {}
}
