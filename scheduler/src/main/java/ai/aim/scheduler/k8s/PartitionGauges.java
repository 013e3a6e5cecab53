package ai.aim.scheduler.k8s;

import ai.aim.scheduler.placement.PartitionInventory;
import ai.aim.scheduler.placement.PartitionState;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Exports the inventory's promises: {@code aim_gpu_partition_memory_allocated_bytes} per partition,
 * labelled like AMD's device-metrics-exporter ({@code gpu_id}, {@code gpu_partition_id},
 * {@code gpu_compute_partition_type}, {@code gpu_memory_partition_type}, lower case) plus
 * {@code node} and {@code partition} (the GpuPartition name). Rows of removed partitions
 * disappear. Synced by the controller's worker thread after changes.
 */
final class PartitionGauges {
    private final PartitionInventory inventory;
    private final MultiGauge allocated;
    private long seenVersion = -1;

    PartitionGauges(PartitionInventory inventory, MeterRegistry registry) {
        this.inventory = inventory;
        this.allocated = MultiGauge.builder("aim_gpu_partition_memory_allocated_bytes")
                .description("GPU partition memory promised to placed models").baseUnit("bytes").register(registry);
    }

    void sync() {
        long v = inventory.version();
        if (v == seenVersion) {
            return;
        }
        seenVersion = v;
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (PartitionState s : inventory.partitions()) {
            var p = s.partition();
            Tags tags = Tags.of("gpu_id", p.gpuId(), "gpu_partition_id", p.partitionId(),
                    "gpu_compute_partition_type", p.computeMode().name().toLowerCase(Locale.ROOT),
                    "gpu_memory_partition_type", p.memoryMode().name().toLowerCase(Locale.ROOT),
                    "node", p.node(), "partition", p.name());
            rows.add(MultiGauge.Row.of(tags, s.allocatedBytes()));
        }
        allocated.register(rows, true);
    }
}
