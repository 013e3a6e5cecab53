package ai.aim.scheduler;

import ai.aim.scheduler.config.SchedulerConfig;
import ai.aim.scheduler.placement.InventoryView;
import ai.aim.scheduler.reports.DirectiveSender;
import ai.aim.scheduler.reports.ReportAggregator;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;

/**
 * What a {@link SchedulerExtension} gets to build its services and controllers from: the settings,
 * the sidecar load aggregate, the directive sender, the partition inventory, the meter registry,
 * the Kubernetes client (empty with {@code --kubernetes none}) and the leadership. All thread-safe.
 */
public record SchedulerContext(
        SchedulerConfig config,
        ReportAggregator reports,
        DirectiveSender directives,
        InventoryView inventory,
        MeterRegistry meters,
        Optional<KubernetesClient> kubernetes,
        Leadership leadership) {
}
