package ai.aim.scheduler.keda;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds the {@code keda.sh/v1alpha1} ScaledObject spec for one InferenceService, as the plain map
 * the API server stores. Pure: no Kubernetes client, testable on its own.
 *
 * <p>Target: the predictor Deployment {@code <isvc>-predictor} that KServe creates in
 * RawDeployment mode. Triggers: {@code external-push} to the scheduler (the primary signal), a
 * {@code prometheus} fallback on the sidecars' {@code aim_*} metrics (HPA takes the largest metric,
 * and keeps scaling up on the others while one fails), and optional {@code cpu}/{@code memory}.
 */
final class ScaledObjectSpecBuilder {

  static final String TRIGGER_SCHEDULER = "aim-scheduler";
  static final String TRIGGER_PROMETHEUS = "aim-prometheus-fallback";

  private ScaledObjectSpecBuilder() {}

  /** Name of the ScaledObject generated for an InferenceService. */
  static String name(String isvcName) {
    return isvcName + "-aim";
  }

  /** Name of the predictor Deployment KServe creates in RawDeployment mode. */
  static String predictorDeployment(String isvcName) {
    return isvcName + "-predictor";
  }

  static Map<String, Object> spec(
      String namespace, String isvcName, AutoscalingSpec s, ScaledObjectConfig cfg) {
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put(
        "scaleTargetRef",
        map("apiVersion", "apps/v1", "kind", "Deployment", "name", predictorDeployment(isvcName)));
    spec.put("pollingInterval", s.pollingSeconds());
    spec.put("cooldownPeriod", s.cooldownSeconds());
    spec.put("minReplicaCount", s.minReplicas());
    spec.put("maxReplicaCount", s.maxReplicas());
    List<Object> triggers = new ArrayList<>();
    Map<String, Object> external = new LinkedHashMap<>();
    external.put("scalerAddress", cfg.scalerAddress());
    external.put(ScalerMetadata.MODEL, s.model());
    external.put(ScalerMetadata.TARGET, number(s.targetPerReplica()));
    external.put(ScalerMetadata.ACTIVATION, number(s.activationThreshold()));
    external.put(ScalerMetadata.PREDICTIVE, Boolean.toString(s.predictive()));
    if (s.minReplicas() == 0) {
      external.put(ScalerMetadata.IDLE, s.idleBeforeScaleToZero().toSeconds() + "s");
    }
    Map<String, Object> schedulerTrigger =
        map("type", "external-push", "name", TRIGGER_SCHEDULER, "metricType", "AverageValue",
            "metadata", external);
    if (!cfg.clusterTriggerAuthentication().isEmpty()) {
      // KEDA reads caCert, tlsClientCert and tlsClientKey from it for the gRPC connection.
      schedulerTrigger.put(
          "authenticationRef",
          map("name", cfg.clusterTriggerAuthentication(), "kind", "ClusterTriggerAuthentication"));
    }
    triggers.add(schedulerTrigger);
    if (s.prometheusFallback()) {
      Map<String, Object> prom = new LinkedHashMap<>();
      prom.put("serverAddress", cfg.prometheusServerAddress());
      prom.put("query", prometheusQuery(namespace, isvcName, s.model()));
      prom.put("threshold", number(s.targetPerReplica()));
      prom.put("activationThreshold", number(s.activationThreshold()));
      triggers.add(
          map("type", "prometheus", "name", TRIGGER_PROMETHEUS, "metricType", "AverageValue",
              "metadata", prom));
    }
    s.cpuUtilization()
        .ifPresent(
            p -> triggers.add(
                map("type", "cpu", "metricType", "Utilization", "metadata", map("value", Integer.toString(p)))));
    s.memoryUtilization()
        .ifPresent(
            p -> triggers.add(
                map("type", "memory", "metricType", "Utilization", "metadata", map("value", Integer.toString(p)))));
    spec.put("triggers", triggers);
    return spec;
  }

  /**
   * Concurrency from the sidecars' own metrics: requests waiting in the admission queues plus the
   * rate of request-seconds, which by Little's law is the mean number of requests in the system.
   * {@code or vector(0)} keeps the sum defined when one side has no series yet.
   */
  static String prometheusQuery(String namespace, String isvcName, String model) {
    String pods = "namespace=\"" + namespace + "\",pod=~\"" + predictorDeployment(isvcName) + "-.*\"";
    return "(sum(aim_scheduler_queue_depth{" + pods + "}) or vector(0)) + "
        + "(sum(rate(aim_model_request_latency_seconds_sum{" + pods + ",model=\"" + model
        + "\"}[2m])) or vector(0))";
  }

  private static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%s", v);
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
