package ai.aim.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.slo.SloConfig;
import ai.aim.proxy.slo.SloTracker;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes the sidecar's registry over HTTP; its query API must report exactly
 * the requests recorded, and its {@code histogram_quantile} must agree with {@code /slo}'s p99 up
 * to the bucket bounds.
 */
class PrometheusScrapeTest {
  private static final long MS = 1_000_000L;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private HttpServer target;
  private Process prometheus;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void stop() throws InterruptedException {
    if (prometheus != null) {
      prometheus.toHandle().descendants().forEach(ProcessHandle::destroy);
      prometheus.destroy();
      if (!prometheus.waitFor(20, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly();
        prometheus.waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (target != null) {
      target.stop(0);
    }
  }

  @Test
  void prometheusSeesExactCountsAndAP99ConsistentWithSlo() throws Exception {
    Path binary = PrometheusBinaries.require("prometheus");

    AtomicLong now = new AtomicLong();
    SloTracker tracker =
        new SloTracker(SloConfig.defaultConfig(), List.of("llama"), now::get, System::currentTimeMillis);
    AimMetrics metrics =
        new AimMetrics(AimMetrics.newRegistry(), List.of(), new AimMetricsTest.FixedAdmission(), null, tracker);

    // The known mix.
    record(metrics, "llama", Priority.HIGH, Outcome.OK, 290, 30 * MS);
    record(metrics, "llama", Priority.HIGH, Outcome.OK, 10, 300 * MS);
    record(metrics, "llama", Priority.MEDIUM, Outcome.OK, 40, 1500 * MS);
    record(metrics, "llama", Priority.MEDIUM, Outcome.UPSTREAM_ERROR, 5, 50 * MS);
    record(metrics, "llama", Priority.MEDIUM, Outcome.UNAVAILABLE, 3, 2 * MS);
    record(metrics, "llama", Priority.LOW, Outcome.OK, 100, 2500 * MS);
    record(metrics, "llama", Priority.LOW, Outcome.SHED, 50, MS / 2);
    record(metrics, "somebody-elses-model", Priority.HIGH, Outcome.OK, 7, 10 * MS);
    now.addAndGet(10_000 * MS);
    tracker.tick(); // closes the first 10 s slot

    target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    target.createContext(
        "/metrics",
        exchange -> {
          byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    target.start();

    int port = freePort();
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(
        config,
        """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: aim-sidecar
            static_configs:
              - targets: ['127.0.0.1:%d']
        """
            .formatted(target.getAddress().getPort()));
    prometheus =
        new ProcessBuilder(
                binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();

    String api = "http://127.0.0.1:" + port + "/api/v1/query?query=";
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .untilAsserted(
            () -> assertThat(scalar(query(api, "sum(aim_model_requests_total)"))).isEqualTo(505.0));

    Map<String, Double> counts = new HashMap<>();
    for (JsonNode r : query(api, "aim_model_requests_total{model=\"llama\"}")) {
      counts.put(
          r.at("/metric/priority").asText() + "/" + r.at("/metric/outcome").asText(),
          r.at("/value/1").asDouble());
    }
    assertThat(counts).hasSize(3 * Outcome.values().length);
    Map<String, Double> nonZero = new HashMap<>();
    counts.forEach((k, v) -> {
      if (v != 0) {
        nonZero.put(k, v);
      }
    });
    assertThat(nonZero)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "high/ok", 300.0,
                "medium/ok", 40.0,
                "medium/upstream_error", 5.0,
                "medium/unavailable", 3.0,
                "low/ok", 100.0,
                "low/shed", 50.0));
    assertThat(scalar(query(api, "aim_model_requests_total{model=\"unknown\",priority=\"high\",outcome=\"ok\"}")))
        .isEqualTo(7.0);
    assertThat(scalar(query(api, "aim_admission_shed_total{priority=\"low\",reason=\"queue_full\"}")))
        .isEqualTo(50.0);
    assertThat(scalar(query(api, "aim_scheduler_queue_depth{priority=\"low\"}"))).isEqualTo(7.0);
    assertThat(scalar(query(api, "aim_upstream_errors_total{model=\"llama\",kind=\"unreachable\"}")))
        .isEqualTo(3.0);

    // p99 of HIGH: Prometheus interpolates inside a bucket, /slo reads its HdrHistogram.
    double promP99 =
        scalar(
            query(
                api,
                "histogram_quantile(0.99, sum by (le) (aim_model_request_latency_seconds_bucket{model=\"llama\",priority=\"high\"}))"));
    double[] bucket = bucketAround(promP99);
    JsonNode slo = JSON.readTree(tracker.sloJson());
    JsonNode high = null;
    for (JsonNode s : slo.get("series")) {
      if (s.get("model").asText().equals("llama") && s.get("priority").asText().equals("high")) {
        high = s;
      }
    }
    assertThat(high).isNotNull();
    assertThat(high.at("/windows/1m/requests").asLong()).isEqualTo(300);
    double sloP99Seconds = high.at("/windows/1m/percentilesMs/total/p99").asDouble() / 1000.0;
    // HdrHistogram reports the top of its 1 % bucket, hence the small allowance above.
    assertThat(sloP99Seconds).isGreaterThan(bucket[0]).isLessThanOrEqualTo(bucket[1] * 1.01);
    assertThat(promP99).isGreaterThan(0.2).isLessThanOrEqualTo(0.5);
  }

  private static void record(AimMetrics m, String model, Priority p, Outcome o, int n, long totalNanos) {
    for (int i = 0; i < n; i++) {
      long queue = o == Outcome.SHED ? -1 : MS;
      m.onComplete(model, p, o, queue, o.isSidecarError() ? -1 : totalNanos - queue, totalNanos / 2, totalNanos);
    }
  }

  /** The latency bucket (lower, upper] holding a value, in seconds. */
  private static double[] bucketAround(double seconds) {
    double lower = 0;
    for (Duration d : AimMetrics.LATENCY_BUCKETS) {
      double upper = d.toNanos() / 1e9;
      if (seconds <= upper) {
        return new double[] {lower, upper};
      }
      lower = upper;
    }
    return new double[] {lower, Double.POSITIVE_INFINITY};
  }

  private JsonNode query(String api, String promql) throws IOException, InterruptedException {
    HttpResponse<String> res =
        http.send(
            HttpRequest.newBuilder(URI.create(api + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
    JsonNode body = JSON.readTree(res.body());
    assertThat(body.get("status").asText()).isEqualTo("success");
    return body.at("/data/result");
  }

  private static double scalar(JsonNode result) {
    assertThat(result).as("one series in %s", result).hasSize(1);
    return Double.parseDouble(result.get(0).at("/value/1").asText());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
