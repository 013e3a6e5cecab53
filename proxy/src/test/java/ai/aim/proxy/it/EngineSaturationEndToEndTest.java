package ai.aim.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.Sidecar;
import ai.aim.proxy.admission.AdmissionSnapshot;
import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.config.ConfigLoader;
import ai.aim.sim.ModelSim;
import ai.aim.sim.ServiceDistribution;
import ai.aim.sim.SimConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Engine-aware saturation end to end: the sidecar scrapes a real model-sim's {@code vllm:*} gauges
 * from its {@code /metrics} and sheds LOW while the simulated KV cache is full or the readings are
 * stale, while HIGH keeps going through.
 */
class EngineSaturationEndToEndTest {

  /** KV cache of the simulator in tokens: a 95-element tensor holds 96 of them (0.96 > 0.90). */
  private static final int KV_TOKENS = 100;

  private ModelSim sim;
  private Sidecar sidecar;
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<CompletableFuture<?>> pending = new ArrayList<>();

  @AfterEach
  void everyPermitComesBack() throws Exception {
    try {
      for (CompletableFuture<?> f : pending) {
        f.handle((r, e) -> null).get(20, TimeUnit.SECONDS);
      }
      if (sidecar != null) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
          AdmissionSnapshot.Model m = llama();
          assertThat(m.inflight()).isZero();
          for (AdmissionSnapshot.Class c : m.classes()) {
            assertThat(c.queueDepth()).isZero();
          }
        });
      }
    } finally {
      if (sidecar != null) {
        sidecar.close();
      }
      if (sim != null) {
        sim.close();
      }
    }
  }

  private void start(long serviceMs) throws Exception {
    sim = ModelSim.start(SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(-1)
        .model("llama").slots(8).serviceMs(serviceMs).kvCacheTokens(KV_TOKENS)
        .serviceDist(ServiceDistribution.CONSTANT).eventLoops(1).build());
    String yaml = "http: {bind: 127.0.0.1, port: 0}\n"
        + "grpc: {bind: 127.0.0.1, port: 0}\n"
        + "admin: {bind: 127.0.0.1, port: 0}\n"
        + "eventLoops: 2\n"
        + "upstream: {http: '" + sim.httpBaseUrl() + "', grpc: '127.0.0.1:1'}\n"
        + "admission:\n"
        + "  maxInflight: 8\n"
        + "  priorities: {low: {maxQueue: 0}}\n"
        + "  engine: {enabled: true, scrapeIntervalMs: 20, staleAfterMs: 400,"
        + " recoveryStep: 0.5, recoveryIntervalMs: 50}\n"
        + "models: {llama: {}}\n";
    sidecar = Sidecar.start(() -> ConfigLoader.parse(yaml, Map.of()), null, null, null,
        System::nanoTime);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      AdmissionSnapshot.Engine e = llama().engine();
      assertThat(e.hasReading()).isTrue();
      assertThat(e.stale()).isFalse();
      assertThat(llama().engineSaturated()).isFalse();
    });
  }

  private static String tensor(int elements) {
    return "{\"inputs\":[{\"name\":\"x\",\"shape\":[" + elements + "],\"datatype\":\"FP32\","
        + "\"data\":[" + String.join(",", Collections.nCopies(elements, "1.0")) + "]}]}";
  }

  private HttpRequest infer(Priority p, int elements) {
    return HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sidecar.server().httpPort() + "/v2/models/llama/infer"))
        .header("x-aim-priority", p.label())
        .POST(HttpRequest.BodyPublishers.ofString(tensor(elements)))
        .build();
  }

  private HttpResponse<String> send(Priority p, int elements) throws Exception {
    return client.send(infer(p, elements), HttpResponse.BodyHandlers.ofString());
  }

  private AdmissionSnapshot.Model llama() throws Exception {
    AdmissionSnapshot.Model m =
        sidecar.controller().refreshSnapshot().get(5, TimeUnit.SECONDS).models().get("llama");
    assertThat(m).as("llama in the admission snapshot").isNotNull();
    return m;
  }

  private String metrics() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sidecar.server().adminPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void aFullKvCacheShedsLowWithItsReasonWhileHighIsStillAdmittedAndLowRecovers()
      throws Exception {
    start(4_000);
    // One HIGH request that holds 96 % of the simulated KV cache while it runs.
    CompletableFuture<HttpResponse<String>> hog =
        client.sendAsync(infer(Priority.HIGH, 95), HttpResponse.BodyHandlers.ofString());
    pending.add(hog);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(llama().engine().kvCacheUsage()).isGreaterThan(0.9);
      assertThat(llama().of(Priority.LOW).ceiling()).isZero();
    });

    HttpResponse<String> low = send(Priority.LOW, 1);
    assertThat(low.statusCode()).isEqualTo(429);
    assertThat(low.body()).contains("\"error\":\"shed\"", "\"reason\":\"engine_saturated\"",
        "\"priority\":\"low\"");
    assertThat(low.headers().firstValue("retry-after")).isPresent();

    long highAdmitted = llama().of(Priority.HIGH).admitted();
    HttpResponse<String> high = send(Priority.HIGH, 1);
    assertThat(high.statusCode()).isEqualTo(200);
    assertThat(llama().of(Priority.HIGH).admitted()).isEqualTo(highAdmitted + 1);
    assertThat(hog.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(metrics()).contains(
        "aim_admission_shed_total{priority=\"low\",reason=\"engine_saturated\"} 1.0",
        "aim_engine_stale{model=\"llama\"} 0.0",
        "aim_engine_kv_cache_usage{model=\"llama\"}",
        "aim_engine_waiting_requests{model=\"llama\"}",
        "aim_engine_scrapes_total{result=\"success\"}"));

    // The cache is free again: LOW's ceiling climbs back and LOW is served.
    await().atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(llama().of(Priority.LOW).ceiling()).isEqualTo(8));
    assertThat(send(Priority.LOW, 1).statusCode()).isEqualTo(200);
  }

  @Test
  void whenTheScrapeTargetGoesAwayTheStaleReadingCountsAsSaturated() throws Exception {
    start(10);
    assertThat(send(Priority.LOW, 1).statusCode()).isEqualTo(200);

    sim.close();
    sim = null;
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(llama().engine().stale()).isTrue();
      assertThat(llama().engineSaturated()).isTrue();
    });
    HttpResponse<String> low = send(Priority.LOW, 1);
    assertThat(low.statusCode()).isEqualTo(429);
    assertThat(low.body()).contains("\"reason\":\"engine_saturated\"");
    // HIGH is not held back by the engine signal: it is admitted and finds the model server gone.
    HttpResponse<String> high = send(Priority.HIGH, 1);
    assertThat(high.statusCode()).isEqualTo(503);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(metrics()).contains(
        "aim_engine_stale{model=\"llama\"} 1.0",
        "aim_admission_shed_total{priority=\"low\",reason=\"engine_saturated\"} 1.0"));
    assertThat(metrics()).doesNotContain("aim_engine_scrapes_total{result=\"failure\"} 0.0");
  }
}
