package ai.aim.scheduler.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Fuzzes the injection webhook: any request body, and any pod inside a well-formed
 * AdmissionReview, gets an AdmissionReview response with {@code response.allowed} set; nothing
 * throws (the API server would fail the pod's creation on a webhook error).
 *
 * <p>{@code ./mvnw verify} replays the inputs under {@code src/test/resources} (regression mode);
 * to fuzz: {@code JAZZER_FUZZ=1 ./mvnw -pl scheduler test -Dtest='AdmissionReviewFuzzTest#anyBody*' -Djazzer.max_duration=5m}.
 */
class AdmissionReviewFuzzTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final AdmissionReviewHandler HANDLER =
      new AdmissionReviewHandler(new SidecarInjector(InjectionSettings.defaults()), MAPPER);

  @FuzzTest(maxDuration = "2m")
  void anyBodyGetsAnAdmissionReviewAnswer(byte[] body) throws Exception {
    checkAnswer(HANDLER.handle(body));
  }

  @FuzzTest(maxDuration = "2m")
  void anyPodGetsAnAdmissionReviewAnswer(FuzzedDataProvider data) throws Exception {
    ObjectNode review = MAPPER.createObjectNode();
    review.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
    ObjectNode request = review.putObject("request");
    request.put("uid", "u-1");
    request.putObject("kind").put("kind", "Pod");
    ObjectNode pod = request.putObject("object");
    ObjectNode annotations = pod.putObject("metadata").putObject("annotations");
    annotations.put(SidecarInjector.INJECT_ANNOTATION, data.consumeBoolean() ? "true" : data.consumeString(8));
    for (int i = data.consumeInt(0, 4); i > 0; i--) {
      annotations.put(data.pickValue(new String[] {"aim.ai/gpu-sharing", "aim.ai/sidecar-config",
          "aim.ai/injected", "aim.ai/priority", "aim.ai/model"}), data.consumeString(200));
    }
    String spec = data.consumeRemainingAsString();
    try {
      pod.set("spec", MAPPER.readTree(spec));
    } catch (com.fasterxml.jackson.core.JacksonException notJson) {
      pod.putObject("spec").putArray("containers").addObject().put("name", spec);
    }
    checkAnswer(HANDLER.handle(MAPPER.writeValueAsBytes(review)));
  }

  private static void checkAnswer(byte[] answer) throws Exception {
    JsonNode a = MAPPER.readTree(answer);
    assertThat(a.path("kind").asText()).isEqualTo("AdmissionReview");
    assertThat(a.path("response").path("allowed").isBoolean()).as("response.allowed in %s", a).isTrue();
  }
}
