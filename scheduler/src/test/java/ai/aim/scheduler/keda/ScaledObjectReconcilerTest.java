package ai.aim.scheduler.keda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class ScaledObjectReconcilerTest {

  KubernetesClient client;
  private ScaledObjectReconciler reconciler;

  @BeforeEach
  void start() {
    reconciler =
        new ScaledObjectReconciler(
            client,
            new ScaledObjectConfig("aim-scheduler.aim-system.svc:9090", "http://prometheus:9090", null),
            new KubernetesEventSink(client, "aim-scheduler"));
    reconciler.start();
  }

  @AfterEach
  void stop() {
    reconciler.close();
  }

  private static GenericKubernetesResource isvc(String name, Map<String, String> annotations) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("serving.kserve.io/v1beta1")
        .withKind("InferenceService")
        .withNewMetadata()
        .withName(name)
        .withNamespace("ml")
        .withAnnotations(annotations)
        .endMetadata()
        .addToAdditionalProperties(
            "spec", Map.of("predictor", Map.of("model", Map.of("modelFormat", Map.of("name", "vllm")))))
        .build();
  }

  private GenericKubernetesResource scaledObject(String name) {
    return client.genericKubernetesResources(ScaledObjectReconciler.SCALED_OBJECT)
        .inNamespace("ml").withName(name).get();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource so) {
    return (Map<String, Object>) so.getAdditionalProperties().get("spec");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> pushMetadata(GenericKubernetesResource so) {
    List<Map<String, Object>> triggers = (List<Map<String, Object>>) spec(so).get("triggers");
    return (Map<String, Object>) triggers.get(0).get("metadata");
  }

  private List<Event> events(String reason) {
    return client.v1().events().inNamespace("ml").list().getItems().stream()
        .filter(e -> e.getReason().equals(reason))
        .toList();
  }

  @Test
  void aScaledObjectFollowsTheInferenceServiceFromCreationToDeletion() {
    Map<String, String> a = new HashMap<>(Map.of("aim.ai/autoscaling", "true", "aim.ai/max-replicas", "4"));
    GenericKubernetesResource created =
        client.genericKubernetesResources(ScaledObjectReconciler.INFERENCE_SERVICE)
            .inNamespace("ml").resource(isvc("llama", a)).create();

    await().atMost(Duration.ofSeconds(20)).until(() -> scaledObject("llama-aim") != null);
    GenericKubernetesResource so = scaledObject("llama-aim");
    assertThat(so.getApiVersion()).isEqualTo("keda.sh/v1alpha1");
    assertThat(so.getKind()).isEqualTo("ScaledObject");
    assertThat(so.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "aim-scheduler");
    OwnerReference owner = so.getMetadata().getOwnerReferences().get(0);
    assertThat(owner.getKind()).isEqualTo("InferenceService");
    assertThat(owner.getApiVersion()).isEqualTo("serving.kserve.io/v1beta1");
    assertThat(owner.getName()).isEqualTo("llama");
    assertThat(owner.getUid()).isEqualTo(created.getMetadata().getUid()).isNotBlank();
    assertThat(owner.getController()).isTrue();
    assertThat(spec(so)).containsEntry("maxReplicaCount", 4).containsEntry("minReplicaCount", 1);
    assertThat(((Map<?, ?>) spec(so).get("scaleTargetRef")).get("name")).isEqualTo("llama-predictor");
    assertThat(pushMetadata(so)).containsEntry("predictive", "false");
    assertThat(events("ScaledObjectCreated")).hasSize(1);

    // Annotations change: the ScaledObject follows.
    a.put("aim.ai/max-replicas", "8");
    a.put("aim.ai/predictive", "true");
    client.genericKubernetesResources(ScaledObjectReconciler.INFERENCE_SERVICE)
        .inNamespace("ml").withName("llama")
        .edit(r -> {
          r.getMetadata().setAnnotations(a);
          return r;
        });
    await().atMost(Duration.ofSeconds(20))
        .until(() -> Integer.valueOf(8).equals(spec(scaledObject("llama-aim")).get("maxReplicaCount")));
    assertThat(pushMetadata(scaledObject("llama-aim"))).containsEntry("predictive", "true");
    assertThat(events("ScaledObjectUpdated")).isNotEmpty();

    // Deleted with the model.
    client.genericKubernetesResources(ScaledObjectReconciler.INFERENCE_SERVICE)
        .inNamespace("ml").withName("llama").delete();
    await().atMost(Duration.ofSeconds(20)).until(() -> scaledObject("llama-aim") == null);
  }

  @Test
  void invalidAnnotationsAreRefusedWithAnEventAndNoScaledObject() {
    client.genericKubernetesResources(ScaledObjectReconciler.INFERENCE_SERVICE)
        .inNamespace("ml")
        .resource(isvc("mistral", Map.of("aim.ai/autoscaling", "true", "aim.ai/min-replicas", "0")))
        .create();

    await().atMost(Duration.ofSeconds(20)).until(() -> !events("InvalidAutoscaling").isEmpty());
    Event e = events("InvalidAutoscaling").get(0);
    assertThat(e.getType()).isEqualTo("Warning");
    assertThat(e.getInvolvedObject().getKind()).isEqualTo("InferenceService");
    assertThat(e.getInvolvedObject().getName()).isEqualTo("mistral");
    assertThat(e.getMessage()).contains("needs aim.ai/activation-threshold");
    assertThat(scaledObject("mistral-aim")).isNull();
  }

  @Test
  void optingOutRemovesTheScaledObjectAndOtherModelsAreLeftAlone() {
    client.genericKubernetesResources(ScaledObjectReconciler.INFERENCE_SERVICE)
        .inNamespace("ml").resource(isvc("phi", Map.of("aim.ai/autoscaling", "true"))).create();
    client.genericKubernetesResources(ScaledObjectReconciler.INFERENCE_SERVICE)
        .inNamespace("ml").resource(isvc("unmanaged", Map.of())).create();
    await().atMost(Duration.ofSeconds(20)).until(() -> scaledObject("phi-aim") != null);

    client.genericKubernetesResources(ScaledObjectReconciler.INFERENCE_SERVICE)
        .inNamespace("ml").withName("phi")
        .edit(r -> {
          r.getMetadata().setAnnotations(Map.of("aim.ai/autoscaling", "false"));
          return r;
        });

    await().atMost(Duration.ofSeconds(20)).until(() -> scaledObject("phi-aim") == null);
    assertThat(scaledObject("unmanaged-aim")).isNull();
  }
}
