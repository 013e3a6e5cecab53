package ai.aim.proxy.gpu;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * VRAM promised to the models placed on one partition: one entry of the sidecar config's {@code
 * gpu.allocations} list ({@code {gpu: 0, partition: 3, bytes: 25769803776}}). Immutable.
 *
 * @param gpu physical GPU index as in the telemetry snapshots
 * @param partition partition index within that GPU
 * @param bytes bytes promised, {@code >= 0}
 */
public record Allocation(int gpu, int partition, long bytes) {

  @JsonCreator
  public Allocation(
      @JsonProperty(value = "gpu", required = true) int gpu,
      @JsonProperty(value = "partition", required = true) int partition,
      @JsonProperty(value = "bytes", required = true) long bytes) {
    if (gpu < 0) {
      throw new IllegalArgumentException("gpu.allocations gpu: " + gpu + " (expected: >= 0)");
    }
    if (partition < 0) {
      throw new IllegalArgumentException(
          "gpu.allocations partition: " + partition + " (expected: >= 0)");
    }
    if (bytes < 0) {
      throw new IllegalArgumentException("gpu.allocations bytes: " + bytes + " (expected: >= 0)");
    }
    this.gpu = gpu;
    this.partition = partition;
    this.bytes = bytes;
  }
}
