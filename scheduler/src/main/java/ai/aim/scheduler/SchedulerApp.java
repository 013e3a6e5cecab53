package ai.aim.scheduler;

import ai.aim.scheduler.config.SchedulerConfig;
import ai.aim.scheduler.k8s.LeaseLeadership;
import ai.aim.scheduler.k8s.PlacementController;
import ai.aim.scheduler.placement.PartitionInventory;
import ai.aim.scheduler.reports.ReportAggregator;
import ai.aim.scheduler.reports.SidecarService;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.BindableService;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running scheduler: assembles the report aggregate, the sidecar protocol, the partition
 * inventory, the Kubernetes controllers (when a client is given) and every extension's services
 * and controllers, then serves gRPC and metrics. {@link Main} is a thin CLI over this; tests start
 * it directly. Closing stops everything in reverse order of start.
 */
public final class SchedulerApp implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchedulerApp.class);

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final ReportAggregator reports;
    private final SidecarService sidecars;
    private final PartitionInventory inventory;
    private final PrometheusMeterRegistry registry;
    private final SchedulerContext context;
    private SchedulerServer grpc;
    private MetricsServer metrics;

    private SchedulerApp(SchedulerConfig config, Optional<KubernetesClient> kubernetes) {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        reports = new ReportAggregator(config.staleAfterDuration(), System::nanoTime);
        sidecars = new SidecarService(reports, config.schedulerId(), config.reportIntervalDuration(), registry);
        inventory = new PartitionInventory();
        Leadership leadership = Leadership.always();
        if (kubernetes.isPresent() && config.leaderElection().enabled()) {
            LeaseLeadership lease = new LeaseLeadership(kubernetes.get(), config.leaderElection(), config.schedulerId());
            closeables.add(lease);
            leadership = lease.start();
        }
        context = new SchedulerContext(config, reports, sidecars, inventory, registry, kubernetes, leadership);
    }

    /** Builds and starts a scheduler; on failure everything started so far is closed. */
    public static SchedulerApp start(SchedulerConfig config, Optional<KubernetesClient> kubernetes,
            List<SchedulerExtension> extensions) throws IOException {
        SchedulerApp app = new SchedulerApp(config, kubernetes);
        try {
            app.startParts(config, extensions);
            return app;
        } catch (IOException | RuntimeException e) {
            app.close();
            throw e;
        }
    }

    private void startParts(SchedulerConfig config, List<SchedulerExtension> extensions) throws IOException {
        List<BindableService> services = new ArrayList<>();
        services.add(sidecars);
        List<AutoCloseable> controllers = new ArrayList<>();
        if (context.kubernetes().isPresent()) {
            var discovery = config.discovery();
            controllers.add(new PlacementController(context.kubernetes().get(), inventory, context.leadership(), registry,
                    new PlacementController.Settings(config.schedulerId(), discovery.enabled(),
                            (long) discovery.defaultGpuMemoryGiB() << 30, Duration.ofMillis(500), Duration.ofSeconds(60))).start());
        }
        for (SchedulerExtension e : extensions) {
            services.addAll(e.services(context));
            controllers.addAll(e.controllers(context));
        }
        closeables.addAll(controllers);

        ScheduledExecutorService reaper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "aim-scheduler-reaper");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, config.staleAfterDuration().toMillis() / 2);
        reaper.scheduleWithFixedDelay(() -> {
            try {
                reports.expire();
            } catch (RuntimeException e) {
                log.warn("expiring stale sidecars failed", e);
            }
        }, period, period, TimeUnit.MILLISECONDS);
        closeables.add(reaper::shutdownNow);

        grpc = new SchedulerServer(config.grpcPort(), services, config.grpcTls()).start();
        closeables.add(grpc);
        metrics = new MetricsServer(config.metricsPort(), registry, () -> true);
        closeables.add(metrics);
        log.info("scheduler {} serving gRPC on {} ({}) and metrics on {} (kubernetes: {})", config.schedulerId(),
                grpc.port(), config.grpcTls() == null ? "plaintext" : config.grpcTls().mutual() ? "mutual TLS" : "TLS",
                metrics.port(), context.kubernetes().isPresent() ? "yes" : "none");
    }

    public int grpcPort() {
        return grpc.port();
    }

    public int metricsPort() {
        return metrics.port();
    }

    public ReportAggregator reports() {
        return reports;
    }

    public SidecarService sidecars() {
        return sidecars;
    }

    public PartitionInventory inventory() {
        return inventory;
    }

    public SchedulerContext context() {
        return context;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        List<AutoCloseable> reversed = new ArrayList<>(closeables);
        Collections.reverse(reversed);
        closeables.clear();
        for (AutoCloseable c : reversed) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("closing {} failed", c, e);
            }
        }
    }
}
