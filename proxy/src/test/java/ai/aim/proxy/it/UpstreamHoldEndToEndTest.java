package ai.aim.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.Sidecar;
import ai.aim.proxy.config.ConfigLoader;
import ai.aim.proxy.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A model server that is still starting (its readiness answers 503) behind a sidecar with
 * {@code admission.upstreamHoldMs}: the sidecar reports ready, holds the request, and serves it
 * once the model server is ready; past the hold it answers 503 with Retry-After.
 */
class UpstreamHoldEndToEndTest {
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicBoolean modelReady = new AtomicBoolean();
  private TestUpstream upstream;
  private Sidecar sidecar;

  private void start(long holdMs) throws Exception {
    upstream = new TestUpstream();
    upstream.route("/v2/health/ready", ex -> TestUpstream.respond(ex, modelReady.get() ? 200 : 503, ""));
    upstream.route("/v2/models/m/infer", ex -> TestUpstream.respond(ex, 200, "served"));
    String yaml = "http: {bind: 127.0.0.1, port: 0}\n"
        + "grpc: {bind: 127.0.0.1, port: 0}\n"
        + "admin: {bind: 127.0.0.1, port: 0, readinessInterval: 50ms}\n"
        + "eventLoops: 1\n"
        + "gpuSource: none\n"
        + "upstream: {http: '" + upstream.url() + "', grpc: '127.0.0.1:1'}\n"
        + "admission: {upstreamHoldMs: " + holdMs + "}\n"
        + "models: {m: {}}\n";
    sidecar = Sidecar.start(() -> ConfigLoader.parse(yaml, Map.of()), null, null, null, System::nanoTime);
  }

  @AfterEach
  void stop() {
    if (sidecar != null) {
      sidecar.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private CompletableFuture<HttpResponse<String>> infer() {
    return client.sendAsync(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sidecar.server().httpPort() + "/v2/models/m/infer"))
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private int ready() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sidecar.server().adminPort() + "/health/ready")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void aRequestThatArrivesWhileTheModelServerStartsIsHeldAndServedWhenItIsReady() throws Exception {
    start(20_000);
    assertThat(ready()).as("ready while the model server starts").isEqualTo(200);
    CompletableFuture<HttpResponse<String>> r = infer();
    await().atMost(Duration.ofSeconds(10)).until(() -> sidecar.controller().refreshSnapshot()
        .get(5, TimeUnit.SECONDS).models().get("m").classes().stream()
        .mapToInt(c -> c.queueDepth()).sum() == 1);
    assertThat(r).isNotDone();
    assertThat(upstream.seen()).noneMatch(s -> s.uri().startsWith("/v2/models/m/infer"));
    modelReady.set(true);
    HttpResponse<String> done = r.get(20, TimeUnit.SECONDS);
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body()).isEqualTo("served");
    assertThat(done.headers().firstValue("x-aim-queue-wait-ms")).isPresent();
  }

  @Test
  void aModelServerThatStaysDownPastTheHoldGets503WithRetryAfter() throws Exception {
    start(300);
    HttpResponse<String> r = infer().get(20, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("retry-after")).isPresent();
    assertThat(r.body()).contains("upstream_not_ready");
    assertThat(upstream.seen()).noneMatch(s -> s.uri().startsWith("/v2/models/m/infer"));
  }
}
