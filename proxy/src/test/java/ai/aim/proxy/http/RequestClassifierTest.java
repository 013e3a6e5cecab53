package ai.aim.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.aim.proxy.admission.Priority;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestClassifierTest {

  private final RequestClassifier classifier = new RequestClassifier(
      new ModelLabels(Set.of("resnet", "llama")), "llama", m -> m.equals("resnet") ? Priority.HIGH : null);

  private static HttpRequest req(String uri, String... headers) {
    HttpRequest r = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri);
    for (int i = 0; i < headers.length; i += 2) {
      r.headers().add(headers[i], headers[i + 1]);
    }
    return r;
  }

  @Test
  void takesTheModelFromKserveV2AndV1Paths() throws Exception {
    RequestHead v2 = classifier.classify(req("/v2/models/resnet/versions/3/infer?x=1"), 0);
    assertThat(v2.model()).isEqualTo("resnet");
    assertThat(v2.api()).isEqualTo(ApiKind.KSERVE_V2);
    assertThat(v2.path()).isEqualTo("/v2/models/resnet/versions/3/infer");
    RequestHead v1 = classifier.classify(req("/v1/models/resnet:predict"), 0);
    assertThat(v1.model()).isEqualTo("resnet");
    assertThat(v1.api()).isEqualTo(ApiKind.KSERVE_V1);
  }

  @Test
  void openAiPathsUseTheHeaderOrTheDefaultModel() throws Exception {
    assertThat(classifier.classify(req("/v1/chat/completions", "x-aim-model", "resnet"), 0).model())
        .isEqualTo("resnet");
    RequestHead d = classifier.classify(req("/openai/v1/completions"), 0);
    assertThat(d.model()).isEqualTo("llama");
    assertThat(d.api()).isEqualTo(ApiKind.OPENAI);
  }

  @Test
  void unconfiguredModelsFoldIntoUnknownForLabels() throws Exception {
    RequestHead h = classifier.classify(req("/v2/models/random-123/infer"), 0);
    assertThat(h.model()).isEqualTo("random-123");
    assertThat(h.modelLabel()).isEqualTo("unknown");
  }

  @Test
  void priorityComesFromTheHeaderElseTheModelDefaultElseMedium() throws Exception {
    assertThat(classifier.classify(req("/v2/models/llama/infer", "x-aim-priority", "LOW"), 0).priority())
        .isEqualTo(Priority.LOW);
    assertThat(classifier.classify(req("/v2/models/resnet/infer"), 0).priority()).isEqualTo(Priority.HIGH);
    assertThat(classifier.classify(req("/v2/models/llama/infer"), 0).priority()).isEqualTo(Priority.MEDIUM);
  }

  @Test
  void theDeadlineIsRelativeMillisecondsFromArrival() throws Exception {
    RequestHead h = classifier.classify(req("/v2/models/resnet/infer", "x-aim-deadline-ms", "250"), 1_000);
    assertThat(h.hasDeadline()).isTrue();
    assertThat(h.deadlineNanos()).isEqualTo(1_000 + 250_000_000L);
    assertThat(classifier.classify(req("/v2/models/resnet/infer"), 0).hasDeadline()).isFalse();
  }

  @Test
  void invalidHeadersAreRefusedWithWhatWasExpected() {
    assertThatThrownBy(() -> classifier.classify(req("/x", "x-aim-deadline-ms", "-5"), 0))
        .hasMessage("x-aim-deadline-ms: '-5' (expected: a whole number of milliseconds from 1 to 86400000)");
    assertThatThrownBy(() -> classifier.classify(req("/x", "x-aim-deadline-ms", "0"), 0))
        .isInstanceOf(BadRequestException.class);
    assertThatThrownBy(() -> classifier.classify(req("/x", "x-aim-priority", "urgent"), 0))
        .hasMessage("x-aim-priority: 'urgent' (expected: high, medium or low)");
    assertThatThrownBy(() -> classifier.classify(req("/x", "x-aim-model", ""), 0))
        .hasMessage("x-aim-model: '' (expected: a model name)");
  }
}
