package ai.aim.scheduler.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.flipkart.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdmissionReviewHandlerTest {

  private final ObjectMapper mapper = new ObjectMapper();
  private final InjectionSettings settings = new InjectionSettings(
      "registry.example.com/aim-proxy:0.1.0", 8080, 8081, 9090, 8085, 8086,
      "aim-scheduler.aim-system.svc:9500", "auto", 30, "250m", "256Mi", "512Mi", "");
  private final AdmissionReviewHandler handler = new AdmissionReviewHandler(new SidecarInjector(settings), mapper);

  @Test
  void injectsTheSidecarInFrontOfAKServePredictor() throws IOException {
    JsonNode pod = predictorPod();
    JsonNode response = review(pod);

    assertThat(response.path("apiVersion").asText()).isEqualTo("admission.k8s.io/v1");
    assertThat(response.path("response").path("uid").asText()).isEqualTo("uid-1");
    assertThat(response.path("response").path("allowed").asBoolean()).isTrue();
    assertThat(response.path("response").path("patchType").asText()).isEqualTo("JSONPatch");

    JsonNode patched = applyPatch(pod, response);
    JsonNode containers = patched.path("spec").path("containers");
    assertThat(names(containers)).containsExactly("kserve-container", "aim-sidecar");

    JsonNode model = containers.get(0);
    assertThat(model.has("ports")).as("the model server gives its ports to the sidecar").isFalse();
    assertThat(model.path("args").toString()).contains("--http_port=8085").contains("\"--grpc_port\",\"8086\"")
        .contains("--model_dir=/mnt/models");
    assertThat(env(model, "PORT")).isEqualTo("8085");
    assertThat(env(model, "HF_HOME")).isEqualTo("/tmp/hf");
    assertThat(model.path("readinessProbe").path("httpGet").path("port").asInt()).isEqualTo(9090);
    assertThat(model.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/ready");
    assertThat(model.path("readinessProbe").path("periodSeconds").asInt()).isEqualTo(5);
    assertThat(model.path("livenessProbe").path("httpGet").path("port").asInt()).isEqualTo(8085);
    assertThat(model.path("resources").path("limits").path("amd.com/cpx_nps4").asText()).isEqualTo("1");

    JsonNode sidecar = containers.get(1);
    assertThat(sidecar.path("image").asText()).isEqualTo("registry.example.com/aim-proxy:0.1.0");
    assertThat(portsByName(sidecar)).containsExactly("http1=8080", "h2c=8081", "aim-admin=9090");
    assertThat(texts(sidecar.path("args"))).contains(
        "--http-port=8080", "--grpc-port=8081", "--admin-port=9090",
        "--upstream-http=http://127.0.0.1:8085", "--upstream-grpc=127.0.0.1:8086",
        "--scheduler=aim-scheduler.aim-system.svc:9500", "--drain-timeout=30s");
    assertThat(texts(sidecar.path("args"))).noneMatch(a -> a.startsWith("--config"));
    assertThat(env(sidecar, "AIM_MODEL")).isEqualTo("llama-chat");
    assertThat(env(sidecar, "AIM_DEFAULT_PRIORITY")).isEqualTo("medium");
    assertThat(sidecar.path("env").toString()).contains("metadata.name").contains("spec.nodeName");
    assertThat(sidecar.path("readinessProbe").path("httpGet").path("port").asInt()).isEqualTo(9090);
    assertThat(sidecar.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/health/live");
    assertThat(sidecar.path("lifecycle").path("preStop").path("httpGet").path("path").asText()).isEqualTo("/drain");
    assertThat(sidecar.path("resources").path("limits").has("cpu")).as("no CPU limit by default").isFalse();
    assertThat(sidecar.path("resources").path("requests").path("cpu").asText()).isEqualTo("250m");
    JsonNode security = sidecar.path("securityContext");
    assertThat(security.path("runAsNonRoot").asBoolean()).isTrue();
    assertThat(security.path("readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(security.path("allowPrivilegeEscalation").asBoolean()).isFalse();
    assertThat(sidecar.path("volumeMounts").toString()).contains("/tmp");

    assertThat(names(patched.path("spec").path("volumes"))).containsExactly("kserve-provision-location", "aim-sidecar-tmp");
    assertThat(names(patched.path("spec").path("initContainers"))).containsExactly("storage-initializer");
    assertThat(patched.path("spec").path("terminationGracePeriodSeconds").asInt()).isEqualTo(35);
    assertThat(patched.path("metadata").path("labels").path("aim.ai/sidecar").asText()).isEqualTo("injected");
    assertThat(patched.path("metadata").path("labels").path("component").asText()).isEqualTo("predictor");
    assertThat(patched.path("metadata").path("annotations").path("aim.ai/injected").asText())
        .isEqualTo("registry.example.com/aim-proxy:0.1.0");
  }

  @Test
  void neverInjectsTwice() throws IOException {
    JsonNode once = applyPatch(predictorPod(), review(predictorPod()));
    JsonNode again = review(once);
    assertThat(again.path("response").path("allowed").asBoolean()).isTrue();
    assertThat(again.path("response").has("patch")).isFalse();
    assertThat(handler.injectedCount()).isEqualTo(1);
  }

  @Test
  void leavesPodsThatDidNotOptInUntouched() throws IOException {
    ObjectNode pod = (ObjectNode) predictorPod();
    ((ObjectNode) pod.path("metadata").path("annotations")).remove("aim.ai/inject");
    JsonNode response = review(pod);
    assertThat(response.path("response").path("allowed").asBoolean()).isTrue();
    assertThat(response.path("response").has("patch")).isFalse();
    assertThat(response.path("response").has("patchType")).isFalse();
  }

  @Test
  void mountsTheNamedConfigMapAsTheSidecarConfig() throws IOException {
    ObjectNode pod = (ObjectNode) predictorPod();
    ((ObjectNode) pod.path("metadata").path("annotations")).put("aim.ai/sidecar-config", "llama-sidecar");
    JsonNode patched = applyPatch(pod, review(pod));
    JsonNode sidecar = patched.path("spec").path("containers").get(1);
    assertThat(texts(sidecar.path("args"))).contains("--config=/etc/aim/sidecar/sidecar.yaml");
    assertThat(patched.path("spec").path("volumes").toString()).contains("\"configMap\":{\"name\":\"llama-sidecar\"}");
    assertThat(sidecar.path("volumeMounts").toString()).contains("/etc/aim/sidecar");
  }

  @Test
  void mountsANamedTlsSecretAndTurnsOnTlsWithClientAuthWhenAsked() throws IOException {
    ObjectNode pod = (ObjectNode) predictorPod();
    ObjectNode annotations = (ObjectNode) pod.path("metadata").path("annotations");
    annotations.put("aim.ai/sidecar-tls-secret", "llama-tls");
    JsonNode patched = applyPatch(pod, review(pod));
    JsonNode sidecar = patched.path("spec").path("containers").get(1);
    assertThat(texts(sidecar.path("args")))
        .contains("--tls-cert=/etc/aim/tls/tls.crt", "--tls-key=/etc/aim/tls/tls.key")
        .noneMatch(a -> a.startsWith("--tls-client-ca"));
    assertThat(patched.path("spec").path("volumes").toString())
        .contains("\"secret\":{\"secretName\":\"llama-tls\"");
    JsonNode mount = null;
    for (JsonNode m : sidecar.path("volumeMounts")) {
      if (m.path("mountPath").asText().equals("/etc/aim/tls")) {
        mount = m;
      }
    }
    assertThat(mount).as("the secret mounted as a directory").isNotNull();
    assertThat(mount.has("subPath")).as("subPath files are never updated by the kubelet").isFalse();

    ObjectNode mutual = (ObjectNode) predictorPod();
    ((ObjectNode) mutual.path("metadata").path("annotations"))
        .put("aim.ai/sidecar-tls-secret", "llama-tls").put("aim.ai/sidecar-tls-client-auth", "true");
    JsonNode mutualSidecar = applyPatch(mutual, review(mutual)).path("spec").path("containers").get(1);
    assertThat(texts(mutualSidecar.path("args"))).contains("--tls-client-ca=/etc/aim/tls/ca.crt");
  }

  @Test
  void refusesClientAuthWithoutATlsSecretAndABadSecretName() throws IOException {
    ObjectNode pod = (ObjectNode) predictorPod();
    ((ObjectNode) pod.path("metadata").path("annotations")).put("aim.ai/sidecar-tls-client-auth", "true");
    JsonNode response = review(pod);
    assertThat(response.path("response").path("allowed").asBoolean()).isFalse();
    assertThat(response.path("response").path("status").path("message").asText())
        .contains("aim.ai/sidecar-tls-client-auth").contains("aim.ai/sidecar-tls-secret");

    ObjectNode bad = (ObjectNode) predictorPod();
    ((ObjectNode) bad.path("metadata").path("annotations")).put("aim.ai/sidecar-tls-secret", "Not_A_Name");
    assertThat(review(bad).path("response").path("status").path("message").asText())
        .contains("aim.ai/sidecar-tls-secret").contains("expected: a Secret name");
  }

  @Test
  void injectsDefaultPortsWhenTheModelContainerDeclaresNone() throws IOException {
    ObjectNode pod = (ObjectNode) predictorPod();
    ObjectNode model = (ObjectNode) pod.path("spec").path("containers").get(0);
    model.remove("ports");
    model.remove("readinessProbe");
    JsonNode patched = applyPatch(pod, review(pod));
    JsonNode sidecar = patched.path("spec").path("containers").get(1);
    assertThat(portsByName(sidecar)).containsExactly("http1=8080", "aim-grpc=8081", "aim-admin=9090");
    assertThat(patched.path("spec").path("containers").get(0).has("readinessProbe")).isFalse();
  }

  @Test
  void refusesAnOptedInPodWithABadAnnotationNamingIt() throws IOException {
    ObjectNode pod = (ObjectNode) predictorPod();
    ((ObjectNode) pod.path("metadata").path("annotations")).put("aim.ai/default-priority", "urgent");
    JsonNode response = review(pod);
    assertThat(response.path("response").path("allowed").asBoolean()).isFalse();
    assertThat(response.path("response").path("status").path("code").asInt()).isEqualTo(422);
    assertThat(response.path("response").path("status").path("message").asText())
        .contains("aim.ai/default-priority").contains("high|medium|low");
  }

  @Test
  void deniesMalformedReviewsCleanly() throws IOException {
    for (String body : List.of(
        "not json at all",
        "[1,2,3]",
        "{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\"}}",
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}",
        "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\",\"kind\":{\"kind\":\"Pod\"}}}")) {
      JsonNode response = mapper.readTree(handler.handle(body.getBytes(StandardCharsets.UTF_8)));
      assertThat(response.path("kind").asText()).as(body).isEqualTo("AdmissionReview");
      assertThat(response.path("response").path("allowed").asBoolean()).as(body).isFalse();
      assertThat(response.path("response").path("status").path("code").asInt()).as(body).isEqualTo(400);
      assertThat(response.path("response").path("status").path("message").asText()).as(body).contains("expected");
    }
    assertThat(handler.deniedCount()).isEqualTo(5);
  }

  @Test
  void allowsOtherKindsUnchanged() throws IOException {
    String body = "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":"
        + "{\"uid\":\"u2\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"ConfigMap\"},\"object\":{}}}";
    JsonNode response = mapper.readTree(handler.handle(body.getBytes(StandardCharsets.UTF_8)));
    assertThat(response.path("response").path("allowed").asBoolean()).isTrue();
    assertThat(response.path("response").path("uid").asText()).isEqualTo("u2");
  }

  JsonNode review(JsonNode pod) throws IOException {
    ObjectNode review = mapper.createObjectNode();
    review.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
    ObjectNode request = review.putObject("request");
    request.put("uid", "uid-1");
    request.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
    request.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
    request.put("namespace", "models").put("operation", "CREATE");
    request.set("object", pod);
    return mapper.readTree(handler.handle(mapper.writeValueAsBytes(review)));
  }

  JsonNode applyPatch(JsonNode pod, JsonNode response) throws IOException {
    byte[] patch = Base64.getDecoder().decode(response.path("response").path("patch").asText());
    return JsonPatch.apply(mapper.readTree(patch), pod);
  }

  JsonNode predictorPod() throws IOException {
    try (InputStream in = getClass().getResourceAsStream("/webhook/kserve-predictor-pod.json")) {
      return mapper.readTree(in);
    }
  }

  static List<String> names(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.path("name").asText()));
    return out;
  }

  static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  static List<String> portsByName(JsonNode container) {
    List<String> out = new ArrayList<>();
    container.path("ports").forEach(p -> out.add(p.path("name").asText() + "=" + p.path("containerPort").asInt()));
    return out;
  }

  static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (name.equals(e.path("name").asText())) {
        return e.path("value").asText(null);
      }
    }
    return null;
  }
}
