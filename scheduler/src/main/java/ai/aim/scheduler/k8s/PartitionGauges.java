package ai.aim.scheduler.k8s;

import ai.aim.scheduler.placement.Allocation;
import ai.aim.scheduler.placement.PartitionInventory;
import ai.aim.scheduler.placement.PartitionState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Exports the inventory's promises: {@code aim_gpu_partition_memory_allocated_bytes} per partition,
 * labelled like AMD's device-metrics-exporter ({@code gpu_id}, {@code gpu_partition_id},
 * {@code gpu_compute_partition_type}, {@code gpu_memory_partition_type}, lower case) plus
 * {@code node} and {@code partition} (the GpuPartition name); and {@code aim_model_memory_bytes}
 * per placed model ({@code namespace}, {@code model}): the GPU memory placement promised it. Rows of
 * removed partitions and freed models disappear. Synced by the controller's worker thread after
 * changes.
 */
final class PartitionGauges {
    private final PartitionInventory inventory;
    private final MultiGauge allocated;
    private final MultiGauge models;
    private long seenVersion = -1;

    PartitionGauges(PartitionInventory inventory, MeterRegistry registry) {
        this.inventory = inventory;
        this.allocated = MultiGauge.builder("aim_gpu_partition_memory_allocated_bytes")
                .description("GPU partition memory promised to placed models").baseUnit("bytes").register(registry);
        this.models = MultiGauge.builder("aim_model_memory_bytes")
                .description("GPU memory promised to a placed model").baseUnit("bytes").register(registry);
    }

    void sync() {
        long v = inventory.version();
        if (v == seenVersion) {
            return;
        }
        seenVersion = v;
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        Map<String, Long> perModel = new TreeMap<>();
        for (PartitionState s : inventory.partitions()) {
            var p = s.partition();
            Tags tags = Tags.of("gpu_id", p.gpuId(), "gpu_partition_id", p.partitionId(),
                    "gpu_compute_partition_type", p.computeMode().name().toLowerCase(Locale.ROOT),
                    "gpu_memory_partition_type", p.memoryMode().name().toLowerCase(Locale.ROOT),
                    "node", p.node(), "partition", p.name());
            rows.add(MultiGauge.Row.of(tags, s.allocatedBytes()));
            for (Allocation a : s.allocations()) {
                perModel.merge(a.model(), a.memoryBytes(), Long::sum);
            }
        }
        allocated.register(rows, true);
        List<MultiGauge.Row<?>> modelRows = new ArrayList<>();
        perModel.forEach((key, bytes) -> {
            int slash = key.indexOf('/');
            Tags tags = slash < 0 ? Tags.of("namespace", "", "model", key)
                    : Tags.of("namespace", key.substring(0, slash), "model", key.substring(slash + 1));
            modelRows.add(MultiGauge.Row.of(tags, bytes));
        });
        models.register(modelRows, true);
    }
}
