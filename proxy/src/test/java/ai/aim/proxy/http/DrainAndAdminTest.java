package ai.aim.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DrainAndAdminTest extends ProxyTestBase {

  private HttpResponse<String> admin(String path) throws Exception {
    return client(HttpClient.Version.HTTP_1_1).send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void adminServesLivenessReadinessAndMetrics() throws Exception {
    start();
    assertThat(admin("/health/live").statusCode()).isEqualTo(200);
    await().until(() -> admin("/health/ready").statusCode() == 200);
    client(HttpClient.Version.HTTP_1_1).send(
        HttpRequest.newBuilder(URI.create(base() + "/v2/models/resnet")).build(),
        HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> metrics = admin("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("aim_http_inflight_requests").contains("aim_http_in_transit_bytes");
    assertThat(admin("/nope").statusCode()).isEqualTo(404);
    proxy.adminRoutes().register("/slo", r -> ai.aim.proxy.admin.AdminResponse.json(200, "{\"slo\":[]}"));
    assertThat(admin("/slo").body()).isEqualTo("{\"slo\":[]}");
  }

  @Test
  void readinessFollowsTheUpstreamProbe() throws Exception {
    AtomicInteger status = new AtomicInteger(503);
    upstream = new TestUpstream();
    upstream.route("/v2/health/ready", ex -> TestUpstream.respond(ex, status.get(), "state"));
    start();
    await().until(() -> upstream.seen().size() >= 1);
    assertThat(admin("/health/ready").statusCode()).isEqualTo(503);
    status.set(200);
    await().until(() -> admin("/health/ready").statusCode() == 200);
  }

  @Test
  void drainLetsInFlightRequestsFinishAndGoesUnreadyFirst() throws Exception {
    CountDownLatch arrived = new CountDownLatch(4);
    CountDownLatch release = new CountDownLatch(1);
    start();
    upstream.route("/v2/models/resnet/infer", ex -> {
      arrived.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      TestUpstream.respond(ex, 200, "done");
    });
    await().until(() -> proxy.readiness().isReady());
    List<CompletableFuture<HttpResponse<String>>> inflight = new ArrayList<>();
    for (HttpClient.Version v : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_1_1,
        HttpClient.Version.HTTP_2, HttpClient.Version.HTTP_2)) {
      inflight.add(client(v).sendAsync(
          HttpRequest.newBuilder(URI.create(base() + "/v2/models/resnet/infer")).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(proxy::close);
    await().until(() -> !proxy.readiness().isReady());
    assertThat(admin("/health/ready").statusCode()).isEqualTo(503);
    assertThat(closing).isNotDone();
    release.countDown();
    for (CompletableFuture<HttpResponse<String>> f : inflight) {
      HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("done");
    }
    closing.get(10, TimeUnit.SECONDS);
    assertThat(recorder.calls()).hasSize(4);
  }
}
