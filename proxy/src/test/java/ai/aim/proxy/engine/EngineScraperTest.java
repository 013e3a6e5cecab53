package ai.aim.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.admission.AdmissionConfig;
import ai.aim.proxy.admission.AdmissionConfigParser;
import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.admission.AdmissionSnapshot;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The scraper against a real HTTP server on loopback, feeding a real admission thread. */
class EngineScraperTest {

  private volatile String exposition = "";
  private volatile int status = 200;
  private HttpServer server;
  private AdmissionController controller;
  private EngineScraper scraper;
  private final ScrapeStats stats = new ScrapeStats();

  @AfterEach
  void stop() {
    if (scraper != null) {
      scraper.close();
    }
    if (controller != null) {
      controller.close();
    }
    if (server != null) {
      server.stop(0);
    }
  }

  private URI serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/metrics", ex -> {
      byte[] b = exposition.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
      if (b.length > 0) {
        ex.getResponseBody().write(b);
      }
      ex.close();
    });
    server.start();
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
  }

  private void startController(String admission) throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    AdmissionConfig c = AdmissionConfigParser.parse(yaml.readTree(admission), null);
    controller = AdmissionController.start(c, System::nanoTime);
  }

  private AdmissionSnapshot.Engine engine(String model) throws Exception {
    AdmissionSnapshot.Model m =
        controller.refreshSnapshot().get(5, TimeUnit.SECONDS).models().get(model);
    assertThat(m).as(model + " in the snapshot").isNotNull();
    return m.engine();
  }

  @Test
  void readingsOfEachModelReachTheAdmissionCore() throws Exception {
    exposition = "vllm:num_requests_waiting{model_name=\"a\"} 7\n"
        + "vllm:kv_cache_usage_perc{model_name=\"a\"} 0.5\n"
        + "vllm:num_requests_waiting{model_name=\"b\"} 1\n"
        + "vllm:kv_cache_usage_perc{model_name=\"b\"} 0.25\n";
    startController("{engine: {enabled: true}}");
    scraper = EngineScraper.start(ScrapeConfig.vllm(serve()), List.of("a", "b"), controller,
        System::nanoTime, stats);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(engine("a").waitingRequests()).isEqualTo(7);
      assertThat(engine("a").kvCacheUsage()).isEqualTo(0.5);
      assertThat(engine("b").waitingRequests()).isEqualTo(1);
      assertThat(engine("b").kvCacheUsage()).isEqualTo(0.25);
      assertThat(engine("a").stale()).isFalse();
    });
    assertThat(stats.succeeded()).isPositive();
  }

  @Test
  void aTritonStyleQueueGaugeWithItsOwnModelLabelIsEnough() throws Exception {
    exposition = "nv_inference_pending_request_count{model=\"resnet\",version=\"1\"} 12\n";
    startController("{engine: {enabled: true}}");
    scraper = EngineScraper.start(
        new ScrapeConfig(serve(), 20, "nv_inference_pending_request_count", "", "model"),
        List.of("resnet"), controller, System::nanoTime, stats);
    await().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(engine("resnet").waitingRequests()).isEqualTo(12));
  }

  @Test
  void anErrorStatusOrAMissingGaugeIsAFailedScrapeAndTheReadingGoesStale() throws Exception {
    exposition = "vllm:num_requests_waiting{model_name=\"a\"} 0\n"
        + "vllm:kv_cache_usage_perc{model_name=\"a\"} 0.1\n";
    startController("{engine: {enabled: true, staleAfterMs: 300}}");
    scraper = EngineScraper.start(
        new ScrapeConfig(serve(), 20, ScrapeConfig.DEFAULT_WAITING_METRIC,
            ScrapeConfig.DEFAULT_KV_USAGE_METRIC, "model_name"),
        List.of("a"), controller, System::nanoTime, stats);
    await().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(engine("a").hasReading()).isTrue());
    status = 503;
    long failedBefore = stats.failed();
    await().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(stats.failed()).isGreaterThan(failedBefore));
    await().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(engine("a").stale()).isTrue());
    status = 200;
    exposition = "vllm:kv_cache_usage_perc{model_name=\"a\"} 0.1\n"; // waiting gauge gone
    long failedAgain = stats.failed();
    await().atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(stats.failed()).isGreaterThan(failedAgain));
    assertThat(engine("a").stale()).isTrue();
  }
}
