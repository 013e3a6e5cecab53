package ai.aim.rocm;

import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * All GPUs of the host as one source saw them at one instant. Immutable; safe to publish through
 * a volatile reference.
 *
 * @param source the concrete source (never {@link Source#AUTO})
 * @param gpus physical GPUs ordered by {@link GpuSnapshot#gpuId()}
 */
public record TelemetrySnapshot(Source source, List<GpuSnapshot> gpus) {

  public TelemetrySnapshot {
    Objects.requireNonNull(source, "source");
    if (source == Source.AUTO) {
      throw new IllegalArgumentException("source: auto (expected: the concrete source)");
    }
    gpus = List.copyOf(gpus);
    for (int i = 0; i < gpus.size(); i++) {
      if (gpus.get(i).gpuId() != i) {
        throw new IllegalArgumentException(
            "gpus[" + i + "].gpuId: " + gpus.get(i).gpuId() + " (expected: " + i + ")");
      }
    }
  }

  /** A snapshot with no GPUs. */
  public static TelemetrySnapshot empty(Source source) {
    return new TelemetrySnapshot(source, List.of());
  }

  /** Every partition of every GPU, GPU by GPU. */
  public Stream<PartitionSnapshot> partitions() {
    return gpus.stream().flatMap(g -> g.partitions().stream());
  }
}
