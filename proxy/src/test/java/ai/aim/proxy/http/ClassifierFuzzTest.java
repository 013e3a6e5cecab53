package ai.aim.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.admission.Priority;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Set;

/**
 * Fuzzes request classification: model from the path or {@code x-aim-model}, priority, deadline.
 * Whatever the path and headers, the answer is a {@link RequestHead} that keeps the documented
 * bounds, or a {@link BadRequestException} (a 400); nothing else escapes.
 *
 * <p>{@code ./mvnw verify} replays the inputs under {@code src/test/resources} (regression mode);
 * to fuzz: {@code JAZZER_FUZZ=1 ./mvnw -pl proxy test -Dtest=ClassifierFuzzTest -Djazzer.max_duration=5m}.
 */
class ClassifierFuzzTest {

  private static final ModelLabels LABELS = new ModelLabels(Set.of("resnet", "llama-3-8b"));
  private final RequestClassifier classifier =
      new RequestClassifier(LABELS, null, m -> "resnet".equals(m) ? Priority.HIGH : null);

  @FuzzTest(maxDuration = "2m")
  void classificationIsAHeadWithinBoundsOrA400(FuzzedDataProvider data) {
    String uri = data.consumeString(400);
    // Not validating: the decoder in front of the classifier has already checked header syntax;
    // what reaches here is any value the decoder lets through.
    io.netty.handler.codec.http.HttpHeaders h =
        io.netty.handler.codec.http.DefaultHttpHeadersFactory.headersFactory().withValidation(false)
            .newHeaders();
    if (data.consumeBoolean()) {
      h.add(RequestClassifier.PRIORITY_HEADER, data.consumeString(40));
    }
    if (data.consumeBoolean()) {
      h.add(RequestClassifier.DEADLINE_HEADER, data.consumeString(40));
    }
    if (data.consumeBoolean()) {
      h.add(RequestClassifier.TENANT_HEADER, data.consumeString(300));
    }
    if (data.consumeBoolean()) {
      // The decoders only pass a Content-Length that is a non-negative number.
      h.add("content-length", Long.toString(data.consumeLong(0, Long.MAX_VALUE)));
    }
    if (data.consumeBoolean()) {
      h.add(RequestClassifier.MODEL_HEADER, data.consumeRemainingAsString());
    }
    DefaultHttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, uri, h);
    RequestHead head;
    try {
      head = classifier.classify(request, 1L);
    } catch (BadRequestException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(head.priority()).isNotNull();
    assertThat(head.model()).isNotEmpty().hasSizeLessThanOrEqualTo(RequestClassifier.MAX_MODEL_LENGTH);
    assertThat(head.modelLabel()).isIn("resnet", "llama-3-8b", ModelLabels.UNKNOWN);
    long t = head.timeoutNanos();
    assertThat(head.tenant() == null || (!head.tenant().isEmpty() && head.tenant().length() <= 256))
        .as("tenant %s", head.tenant()).isTrue();
    assertThat(head.costTokens()).isPositive();
    assertThat(t == RequestHead.NO_DEADLINE || (t > 0 && t <= 86_400_000L * 1_000_000L))
        .as("timeout %d", t).isTrue();
  }

  @FuzzTest(maxDuration = "1m")
  void aDeadlineParsesOnlyToAWholeNumberOfMillisecondsUpToADay(FuzzedDataProvider data) {
    String v = data.consumeRemainingAsString();
    long ms;
    try {
      ms = RequestClassifier.parseDeadline(v);
    } catch (BadRequestException e) {
      assertThat(e.getMessage()).contains(RequestClassifier.DEADLINE_HEADER);
      return;
    }
    assertThat(ms).isBetween(1L, 86_400_000L);
    assertThat(Long.parseLong(v.trim())).isEqualTo(ms);
  }

  @FuzzTest(maxDuration = "30s")
  void aPriorityParsesOnlyFromItsThreeNames(FuzzedDataProvider data) {
    String v = data.consumeRemainingAsString();
    Priority p = Priority.parseOrNull(v);
    if (p != null) {
      assertThat(v.trim()).isEqualToIgnoringCase(p.label());
    }
  }
}
