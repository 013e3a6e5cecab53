package ai.aim.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

  @Test
  void helpListsTheContractFlags() {
    StringWriter out = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "--help");
    assertThat(code).isZero();
    assertThat(out.toString()).contains(
        "--http-port", "--grpc-port", "--admin-port", "--upstream-http", "--upstream-grpc",
        "--max-inflight", "--event-loops", "--gpu-source", "--scheduler", "--config", "--drain-timeout");
  }

  @Test
  void aBadConfigFileExitsWith2AndNamesTheKey(@TempDir Path dir) throws Exception {
    Path cfg = dir.resolve("aim.yaml");
    Files.writeString(cfg, "http:\n  port: many\n");
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.err;
    int code;
    try {
      System.setErr(new java.io.PrintStream(err, true, "UTF-8"));
      code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
          "--config", cfg.toString());
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString("UTF-8")).contains("http.port: 'many' (expected: a whole number from 0 to 65535)");
  }

  @Test
  void aBadFlagValueIsAnErrorNamingTheKey() {
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    java.io.PrintStream old = System.err;
    int code;
    try {
      System.setErr(new java.io.PrintStream(err, true));
      code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
          "--drain-timeout", "forever");
    } finally {
      System.setErr(old);
    }
    assertThat(code).isEqualTo(2);
    assertThat(err.toString()).contains("drainTimeout: 'forever' (expected: a duration");
  }

  @Test
  void theMetricsObserverCountsRequestsOnTheAdminScrape() throws Exception {
    try (ai.aim.proxy.testing.TestUpstream up = new ai.aim.proxy.testing.TestUpstream()) {
      ai.aim.proxy.config.ProxyConfig cfg = ai.aim.proxy.config.ConfigLoader.parse(
          "http: {bind: 127.0.0.1, port: 0}\nadmin: {bind: 127.0.0.1, port: 0}\n"
              + "grpc: {bind: 127.0.0.1, port: 0}\n"
              + "upstream: {http: '" + up.url() + "'}\nmodels: {resnet: {}}\n", java.util.Map.of());
      io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry =
          new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
              io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
      try (Sidecar sidecar = Sidecar.start(() -> cfg, null, registry, null, System::nanoTime)) {
        ProxyServer server = sidecar.server();
        java.net.http.HttpClient c = java.net.http.HttpClient.newHttpClient();
        for (String model : new String[] {"resnet", "someone-elses-model"}) {
          c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                  "http://127.0.0.1:" + server.httpPort() + "/v2/models/" + model + "/infer"))
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
        }
        String scrape = c.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                "http://127.0.0.1:" + server.adminPort() + "/metrics")).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        org.awaitility.Awaitility.await().until(() -> registry.scrape().contains(
            "aim_model_requests_total{model=\"unknown\",outcome=\"ok\",priority=\"medium\"} 1"));
        assertThat(registry.scrape())
            .contains("aim_model_requests_total{model=\"resnet\",outcome=\"ok\",priority=\"medium\"} 1")
            .doesNotContain("someone-elses-model");
        assertThat(scrape).contains("aim_http_inflight_requests");
      }
    }
  }
}
