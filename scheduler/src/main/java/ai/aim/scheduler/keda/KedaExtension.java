package ai.aim.scheduler.keda;

import ai.aim.scheduler.SchedulerContext;
import ai.aim.scheduler.SchedulerExtension;
import ai.aim.scheduler.placement.InventoryView;
import ai.aim.scheduler.placement.PartitionState;
import ai.aim.scheduler.reports.ReportAggregator;
import io.grpc.BindableService;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plugs KEDA scaling into the scheduler: serves the external scaler on the scheduler's gRPC port
 * (reading the sidecar report aggregate and the partition inventory) and, with Kubernetes, runs
 * the ScaledObject reconciler on the leader.
 *
 * <p>Addresses come from the config's {@code keda:} section, else from the environment:
 * {@code AIM_KEDA_SCALER_ADDRESS} (what KEDA dials,
 * default {@code aim-scheduler.aim-system.svc:<grpcPort>}) and {@code AIM_PROMETHEUS_ADDRESS}
 * (the fallback trigger's server, default {@code http://prometheus-operated.monitoring.svc:9090}).
 * Called once at start-up on the main thread; the parts it builds are thread-safe.
 */
public final class KedaExtension implements SchedulerExtension {

  private static final Logger log = LoggerFactory.getLogger(KedaExtension.class);

  private KedaScalerService scaler;

  @Override
  public List<BindableService> services(SchedulerContext context) {
    return List.of(scaler(context));
  }

  @Override
  public List<AutoCloseable> controllers(SchedulerContext context) {
    List<AutoCloseable> parts = new ArrayList<>();
    parts.add(scaler(context));
    context
        .kubernetes()
        .ifPresent(
            client -> {
              ScaledObjectConfig cfg =
                  new ScaledObjectConfig(
                      or(context.config().keda().scalerAddress(),
                          env("AIM_KEDA_SCALER_ADDRESS", "aim-scheduler.aim-system.svc:" + context.config().grpcPort())),
                      or(context.config().keda().prometheusServerAddress(),
                          env("AIM_PROMETHEUS_ADDRESS", "http://prometheus-operated.monitoring.svc:9090")),
                      null,
                      context.config().keda().clusterTriggerAuthentication());
              ScaledObjectReconciler reconciler =
                  new ScaledObjectReconciler(
                      client,
                      cfg,
                      new KubernetesEventSink(client, "aim-scheduler"),
                      context.leadership()::isLeader);
              reconciler.start();
              context.leadership().addListener(leading -> {
                if (leading) {
                  reconciler.resyncAll();
                }
              });
              parts.add(reconciler);
            });
    return parts;
  }

  private synchronized KedaScalerService scaler(SchedulerContext context) {
    if (scaler == null) {
      EventSink events =
          context.kubernetes().<EventSink>map(c -> new KubernetesEventSink(c, "aim-scheduler"))
              .orElse((obj, type, reason, message) -> log.info("{} {}/{}: {} {}", type, obj.kind(), obj.name(), reason, message));
      scaler =
          new KedaScalerService(
              loads(context.reports()), capacity(context.inventory()), events, context.meters());
      scaler.start();
    }
    return scaler;
  }

  /** The report aggregate as the scaler's load source. */
  static LoadSource loads(ReportAggregator reports) {
    return (namespace, model) ->
        reports
            .model(namespace, model)
            .map(
                m ->
                    new ModelLoad(
                        m.queued().high(),
                        m.queued().medium(),
                        m.queued().low(),
                        m.inFlight(),
                        m.pods(),
                        Math.max(0, m.arrivalRate()),
                        Math.max(0, m.serviceTimeSeconds())));
  }

  /**
   * Free partitions of the shape the model already runs on (its modes, its memory promise); not
   * placed yet means unknown, so no cap.
   */
  static CapacitySource capacity(InventoryView inventory) {
    return (namespace, model) -> {
      String key = namespace + "/" + model;
      Optional<PartitionState> placed = inventory.placementOf(key);
      if (placed.isEmpty()) {
        return CapacitySource.UNLIMITED;
      }
      PartitionState p = placed.get();
      long bytes =
          p.allocations().stream()
              .filter(a -> a.model().equals(key))
              .mapToLong(a -> a.memoryBytes())
              .findFirst()
              .orElse(0);
      return inventory.countPlaceable(p.partition().computeMode(), p.partition().memoryMode(), bytes);
    };
  }

  private static String or(String configured, String fallback) {
    return configured == null || configured.isEmpty() ? fallback : configured;
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v;
  }
}
