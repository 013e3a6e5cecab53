package ai.aim.proxy.gpu;

import ai.aim.rocm.ComputePartition;
import ai.aim.rocm.GpuSnapshot;
import ai.aim.rocm.MemoryPartition;
import ai.aim.rocm.PartitionRef;
import ai.aim.rocm.PartitionSnapshot;
import ai.aim.rocm.TelemetrySnapshot;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The GPU gauges, named and labelled like AMD's device-metrics-exporter ({@code gpu_id}, {@code
 * gpu_partition_id}, {@code gpu_compute_partition_type}, {@code gpu_memory_partition_type}, lower
 * case values such as {@code cpx}, {@code nps4}).
 *
 * <p>Each metric is a {@link MultiGauge} whose set of rows follows every sample, so partitions
 * that appear or disappear after a re-partition appear and disappear in the scrape. A field a
 * source could not read gets no row rather than a made-up value.
 *
 * <p>Owned by the sampler thread: {@link #update} and {@link #clear} are called only there (or
 * after it has stopped).
 */
final class GpuMeters {
  static final String PARTITION_MEMORY = "aim_gpu_partition_memory_bytes";
  static final String PARTITION_ALLOCATED = "aim_gpu_partition_memory_allocated_bytes";
  static final String PARTITION_AVAILABLE = "aim_gpu_partition_memory_available_bytes";
  static final String PARTITION_UTILIZATION = "aim_gpu_partition_utilization";
  static final String GPU_TOTAL_MEMORY = "aim_gpu_total_memory_bytes";
  static final String GPU_PARTITION_COUNT = "aim_gpu_partition_count";
  static final String UNKNOWN = "unknown";

  private final Series used;
  private final Series allocated;
  private final Series available;
  private final Series utilization;
  private final Series total;
  private final Series count;

  GpuMeters(MeterRegistry registry) {
    used = new Series(registry, PARTITION_MEMORY, "VRAM in use on the partition, bytes");
    allocated = new Series(registry, PARTITION_ALLOCATED,
        "VRAM promised to the models placed on the partition, bytes");
    available = new Series(registry, PARTITION_AVAILABLE,
        "VRAM that can still be promised: total minus the larger of used and allocated, bytes");
    utilization = new Series(registry, PARTITION_UTILIZATION, "Partition busy fraction, 0..1");
    total = new Series(registry, GPU_TOTAL_MEMORY, "VRAM of the physical GPU, bytes");
    count = new Series(registry, GPU_PARTITION_COUNT, "Partitions the physical GPU is split into");
  }

  void update(TelemetrySnapshot snapshot, Map<PartitionRef, Long> allocations) {
    Map<Tags, Double> usedRows = new LinkedHashMap<>();
    Map<Tags, Double> allocatedRows = new LinkedHashMap<>();
    Map<Tags, Double> availableRows = new LinkedHashMap<>();
    Map<Tags, Double> utilRows = new LinkedHashMap<>();
    Map<Tags, Double> totalRows = new LinkedHashMap<>();
    Map<Tags, Double> countRows = new LinkedHashMap<>();
    for (GpuSnapshot gpu : snapshot.gpus()) {
      Tags gpuTags = Tags.of(
          "gpu_id", Integer.toString(gpu.gpuId()),
          "gpu_compute_partition_type", compute(gpu.computePartition()),
          "gpu_memory_partition_type", memory(gpu.memoryPartition()));
      gpu.vramTotalBytes().ifPresent(b -> totalRows.put(gpuTags, (double) b));
      countRows.put(gpuTags, (double) gpu.partitions().size());
      for (PartitionSnapshot p : gpu.partitions()) {
        Tags tags = Tags.of(
            "gpu_id", Integer.toString(p.gpuId()),
            "gpu_partition_id", Integer.toString(p.partitionId()),
            "gpu_compute_partition_type", compute(p.computePartition()),
            "gpu_memory_partition_type", memory(p.memoryPartition()));
        long promised = allocations.getOrDefault(new PartitionRef(p.gpuId(), p.partitionId()), 0L);
        allocatedRows.put(tags, (double) promised);
        p.vramUsedBytes().ifPresent(b -> usedRows.put(tags, (double) b));
        p.utilization().ifPresent(u -> utilRows.put(tags, u));
        if (p.vramTotalBytes().isPresent()) {
          long committed = Math.max(promised, p.vramUsedBytes().orElse(0L));
          long free = Math.max(0L, p.vramTotalBytes().getAsLong() - committed);
          availableRows.put(tags, (double) free);
        }
      }
    }
    used.set(usedRows);
    allocated.set(allocatedRows);
    available.set(availableRows);
    utilization.set(utilRows);
    total.set(totalRows);
    count.set(countRows);
  }

  /** Removes every row, leaving no GPU series behind. */
  void clear() {
    for (Series s : List.of(used, allocated, available, utilization, total, count)) {
      s.set(Map.of());
    }
  }

  /**
   * One metric name. Rows read a volatile holder, so a new value is one write; the registry is
   * touched only when the set of label sets changes (a re-partition, a GPU vanishing), which
   * avoids re-registering meters every sample and never shows a scrape two meters with the same
   * labels.
   */
  private static final class Series {
    private final MultiGauge gauge;
    private Map<Tags, Value> rows = Map.of();

    Series(MeterRegistry registry, String name, String description) {
      gauge = MultiGauge.builder(name).description(description).register(registry);
    }

    void set(Map<Tags, Double> values) {
      Map<Tags, Value> next = new LinkedHashMap<>();
      for (Map.Entry<Tags, Double> e : values.entrySet()) {
        Value v = rows.get(e.getKey());
        if (v == null) {
          v = new Value();
        }
        v.value = e.getValue();
        next.put(e.getKey(), v);
      }
      boolean changed = !next.keySet().equals(rows.keySet());
      rows = next;
      if (changed) {
        List<MultiGauge.Row<?>> list = new ArrayList<>(next.size());
        next.forEach((tags, v) -> list.add(MultiGauge.Row.of(tags, v, Value::get)));
        // overwrite=false keeps the meters of label sets that stay (their holder is the same
        // object) and removes the ones that went.
        gauge.register(list, false);
      }
    }
  }

  /** A gauge value written by the sampler thread, read by scrapes. */
  private static final class Value {
    volatile double value;

    double get() {
      return value;
    }
  }

  private static String compute(Optional<ComputePartition> mode) {
    return mode.map(ComputePartition::label).orElse(UNKNOWN);
  }

  private static String memory(Optional<MemoryPartition> mode) {
    return mode.map(MemoryPartition::label).orElse(UNKNOWN);
  }
}
