package ai.aim.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.admission.AdmissionConfigParser;
import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.testing.TestUpstream;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CoreAdmissionTest extends ProxyTestBase {

  @Test
  void theAdmissionCoreShedsBeyondItsLimitAndGetsEveryPermitBack() throws Exception {
    JsonNode admission = new YAMLMapper().readTree(
        "maxInflight: 1\npriorities: {medium: {maxQueue: 0}}\n");
    try (AdmissionController core = AdmissionController.start(
        AdmissionConfigParser.parse(admission, null), System::nanoTime)) {
      CountDownLatch held = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      upstream = new TestUpstream();
      upstream.route("/v2/models/resnet/infer", ex -> {
        held.countDown();
        try {
          release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        TestUpstream.respond(ex, 200, "done");
      });
      proxy = ai.aim.proxy.ProxyServer.builder(baseConfig(upstream.url()))
          .transport(transport).observer(recorder).admission(new CoreAdmission(core)).start();
      HttpClient c = client(HttpClient.Version.HTTP_1_1);
      HttpRequest infer = HttpRequest.newBuilder(URI.create(base() + "/v2/models/resnet/infer"))
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
      CompletableFuture<HttpResponse<String>> first = c.sendAsync(infer, HttpResponse.BodyHandlers.ofString());
      assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();

      HttpResponse<String> second = c.send(infer, HttpResponse.BodyHandlers.ofString());
      assertThat(second.statusCode()).isEqualTo(429);
      assertThat(second.body()).contains("\"error\":\"shed\"").contains("medium priority")
          .contains("\"reason\":\"queue_full\"").contains("\"priority\":\"medium\"")
          .contains("\"retryAfterMs\":");
      assertThat(second.headers().firstValueAsLong("retry-after").orElse(0)).isPositive();

      release.countDown();
      HttpResponse<String> served = first.get(10, TimeUnit.SECONDS);
      assertThat(served.statusCode()).isEqualTo(200);
      assertThat(served.headers().firstValueAsLong("x-aim-queue-wait-ms")).isPresent();
      // The permit came back: the next request is admitted.
      await().untilAsserted(() ->
          assertThat(c.send(infer, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200));
      assertThat(recorder.calls()).extracting(r -> r.outcome()).contains(Outcome.SHED, Outcome.OK);
    }
  }
}
