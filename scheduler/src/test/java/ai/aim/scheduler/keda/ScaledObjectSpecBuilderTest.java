package ai.aim.scheduler.keda;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScaledObjectSpecBuilderTest {

  private static final ScaledObjectConfig CONFIG =
      new ScaledObjectConfig(
          "aim-scheduler.aim-system.svc:9090", "http://prometheus.monitoring.svc:9090", null);

  private static Map<String, String> annotations(String... kv) {
    Map<String, String> a = new HashMap<>();
    a.put("aim.ai/autoscaling", "true");
    for (int i = 0; i < kv.length; i += 2) {
      a.put(kv[i], kv[i + 1]);
    }
    return a;
  }

  private static Map<String, Object> build(Map<String, String> a) {
    AutoscalingAnnotations.Parsed p = AutoscalingAnnotations.parse("llama", a);
    assertThat(p.errors()).isEmpty();
    return ScaledObjectSpecBuilder.spec("ml", "llama", p.spec().orElseThrow(), CONFIG);
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> triggers(Map<String, Object> spec) {
    return (List<Map<String, Object>>) spec.get("triggers");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> metadata(Map<String, Object> trigger) {
    return (Map<String, Object>) trigger.get("metadata");
  }

  @Test
  void theSchedulerTriggerRefersToTheClusterTriggerAuthenticationWhenOneIsConfigured() {
    AutoscalingAnnotations.Parsed p = AutoscalingAnnotations.parse("llama", annotations());
    Map<String, Object> spec =
        ScaledObjectSpecBuilder.spec(
            "ml", "llama", p.spec().orElseThrow(),
            new ScaledObjectConfig(
                "aim-scheduler.aim-system.svc:9090", "http://prometheus.monitoring.svc:9090", null,
                "aim-scheduler-client"));
    List<Map<String, Object>> triggers = triggers(spec);
    assertThat(triggers.get(0))
        .containsEntry("authenticationRef",
            Map.of("name", "aim-scheduler-client", "kind", "ClusterTriggerAuthentication"));
    assertThat(triggers.get(1)).as("the Prometheus fallback is not the scheduler").doesNotContainKey("authenticationRef");
    assertThat(triggers(build(annotations())).get(0)).doesNotContainKey("authenticationRef");
  }

  @Test
  void defaultsTargetThePredictorDeploymentWithThePushTriggerAndAPrometheusFallback() {
    Map<String, Object> spec = build(annotations());

    assertThat(spec.get("scaleTargetRef"))
        .isEqualTo(Map.of("apiVersion", "apps/v1", "kind", "Deployment", "name", "llama-predictor"));
    assertThat(spec).containsEntry("minReplicaCount", 1).containsEntry("maxReplicaCount", 10)
        .containsEntry("pollingInterval", 15).containsEntry("cooldownPeriod", 300);
    List<Map<String, Object>> triggers = triggers(spec);
    assertThat(triggers).extracting(t -> t.get("type")).containsExactly("external-push", "prometheus");
    assertThat(metadata(triggers.get(0)))
        .containsEntry("scalerAddress", "aim-scheduler.aim-system.svc:9090")
        .containsEntry("model", "llama")
        .containsEntry("targetPerReplica", "4")
        .containsEntry("activationThreshold", "0")
        .containsEntry("predictive", "false")
        .doesNotContainKey("idleBeforeScaleToZero");
    assertThat(metadata(triggers.get(1)))
        .containsEntry("serverAddress", "http://prometheus.monitoring.svc:9090")
        .containsEntry("threshold", "4")
        .containsEntry(
            "query",
            "(sum(aim_scheduler_queue_depth{namespace=\"ml\",pod=~\"llama-predictor-.*\"}) or vector(0))"
                + " + (sum(rate(aim_model_request_latency_seconds_sum{namespace=\"ml\","
                + "pod=~\"llama-predictor-.*\",model=\"llama\"}[2m])) or vector(0))");
  }

  @Test
  void scaleToZeroCarriesTheIdlePeriodAndActivationThresholdToTheScaler() {
    Map<String, Object> spec =
        build(annotations(
            "aim.ai/min-replicas", "0", "aim.ai/activation-threshold", "0.5",
            "aim.ai/idle-before-scale-to-zero", "10m", "aim.ai/predictive", "true",
            "aim.ai/target-per-replica", "2.5", "aim.ai/model", "llama-3-8b",
            "aim.ai/prometheus-fallback", "false"));

    assertThat(spec).containsEntry("minReplicaCount", 0);
    assertThat(triggers(spec)).hasSize(1);
    assertThat(metadata(triggers(spec).get(0)))
        .containsEntry("model", "llama-3-8b")
        .containsEntry("activationThreshold", "0.5")
        .containsEntry("targetPerReplica", "2.5")
        .containsEntry("predictive", "true")
        .containsEntry("idleBeforeScaleToZero", "600s");
  }

  @Test
  void cpuAndMemoryTriggersAreAddedOnlyWhenAsked() {
    Map<String, Object> spec =
        build(annotations("aim.ai/cpu-utilization", "70", "aim.ai/memory-utilization", "85",
            "aim.ai/polling-interval", "5s", "aim.ai/cooldown-period", "2m"));

    assertThat(triggers(spec)).extracting(t -> t.get("type"))
        .containsExactly("external-push", "prometheus", "cpu", "memory");
    assertThat(triggers(spec).get(2)).containsEntry("metricType", "Utilization");
    assertThat(metadata(triggers(spec).get(2))).containsEntry("value", "70");
    assertThat(spec).containsEntry("pollingInterval", 5).containsEntry("cooldownPeriod", 120);
  }

  @Test
  void invalidCombinationsAreAllReportedAtOnce() {
    AutoscalingAnnotations.Parsed p =
        AutoscalingAnnotations.parse(
            "llama",
            annotations(
                "aim.ai/min-replicas", "0", "aim.ai/max-replicas", "0",
                "aim.ai/polling-interval", "500ms", "aim.ai/cpu-utilization", "150",
                "serving.kserve.io/deploymentMode", "Serverless",
                "serving.kserve.io/autoscalerClass", "hpa"));

    assertThat(p.spec()).isEmpty();
    assertThat(p.errors())
        .containsExactlyInAnyOrder(
            "serving.kserve.io/deploymentMode: Serverless (expected: RawDeployment or Standard;"
                + " Serverless models are scaled by Knative, not KEDA)",
            "serving.kserve.io/autoscalerClass: hpa (expected: external or none, so that KServe"
                + " does not scale the predictor too)",
            "aim.ai/max-replicas: 0 (expected: 1..1000)",
            "aim.ai/min-replicas 0 (scale to zero) needs aim.ai/activation-threshold (expected: the concurrency above which the model wakes up, e.g. 0)",
            "aim.ai/polling-interval: 500ms (expected: whole seconds, 1s..3600s)",
            "aim.ai/cpu-utilization: 150 (expected: 1..100)");
  }

  @Test
  void minAboveMaxIsRefused() {
    assertThat(
            AutoscalingAnnotations.parse(
                    "llama", annotations("aim.ai/min-replicas", "5", "aim.ai/max-replicas", "2"))
                .errors())
        .containsExactly("aim.ai/min-replicas 5 > aim.ai/max-replicas 2 (expected: min <= max)");
  }

  @Test
  void onlyAnExplicitOptInIsManaged() {
    assertThat(AutoscalingAnnotations.optedIn(Map.of())).isFalse();
    assertThat(AutoscalingAnnotations.optedIn(Map.of("aim.ai/autoscaling", "false"))).isFalse();
    assertThat(AutoscalingAnnotations.optedIn(Map.of("aim.ai/autoscaling", "keda"))).isTrue();
  }
}
