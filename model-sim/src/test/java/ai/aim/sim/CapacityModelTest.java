package ai.aim.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class CapacityModelTest {
  static final String INFER = "/v2/models/demo/infer";
  static final String ONE_ELEMENT =
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT32\",\"data\":[1]}]}";

  static SimConfig.Builder base() {
    return SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(-1);
  }

  static String chat(int promptChars, int maxTokens) {
    return "{\"max_tokens\": " + maxTokens + ", \"messages\": [{\"role\": \"user\", \"content\": \""
        + "x".repeat(promptChars) + "\"}]}";
  }

  @Test
  void runsAtMostSlotsRequestsAtOnceAndQueuesTheRest() {
    try (ModelSim sim = ModelSim.start(base().slots(2).serviceMs(300).build())) {
      HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        calls.add(c.sendAsync(HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + INFER))
            .POST(HttpRequest.BodyPublishers.ofString(ONE_ELEMENT)).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().requests() == 6);
      SimStats during = sim.stats();
      assertThat(during.inFlight() + during.queued() + during.completed()).isEqualTo(6);
      assertThat(during.inFlight()).isLessThanOrEqualTo(2);
      for (CompletableFuture<HttpResponse<String>> f : calls) {
        assertThat(f.join().statusCode()).isEqualTo(200);
      }
      SimStats after = sim.stats();
      assertThat(after.completed()).isEqualTo(6);
      assertThat(after.maxConcurrentObserved()).isEqualTo(2);
      assertThat(after.inFlight()).isZero();
      assertThat(after.queued()).isZero();
    }
  }

  @Test
  void aPriorityEngineRunsAHigherPriorityRequestFirstByPreemptingALowerOne() throws Exception {
    // One slot; the OpenAI 'priority' field (lower first). LOW generates 20 tokens at 100 ms each.
    SimConfig config = base().slots(1).serviceMs(1).decodeMsPerToken(100)
        .schedulingPolicy(SchedulingPolicy.PRIORITY).build();
    try (ModelSim sim = ModelSim.start(config)) {
      HttpClient c = HttpClient.newHttpClient();
      List<String> finished = new java.util.concurrent.CopyOnWriteArrayList<>();
      CompletableFuture<HttpResponse<String>> low = c.sendAsync(
          completion(sim, 20, 2), HttpResponse.BodyHandlers.ofString())
          .whenComplete((r, e) -> finished.add("low"));
      await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().inFlight() == 1);
      CompletableFuture<HttpResponse<String>> high = c.sendAsync(
          completion(sim, 1, 0), HttpResponse.BodyHandlers.ofString())
          .whenComplete((r, e) -> finished.add("high"));

      assertThat(high.join().statusCode()).isEqualTo(200);
      assertThat(low.join().statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(5)).until(() -> finished.size() == 2);
      assertThat(finished).containsExactly("high", "low");
      SimStats s = sim.stats();
      assertThat(s.preempted()).isEqualTo(1);
      assertThat(s.completed()).isEqualTo(2);
      assertThat(s.priorities()).containsEntry("0", 1L).containsEntry("2", 1L);
      assertThat(c.send(HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/sim/stats")).build(),
          HttpResponse.BodyHandlers.ofString()).body()).contains("\"preempted\":1");
      assertThat(c.send(HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body()).containsPattern("(?m)^aim_sim_preemptions_total 1$");
    }
  }

  static HttpRequest completion(ModelSim sim, int maxTokens, int priority) {
    return HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/v1/completions"))
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo\",\"prompt\":\"hi\","
            + "\"max_tokens\":" + maxTokens + ",\"priority\":" + priority + "}"))
        .build();
  }

  @Test
  void rejectsWith503WhenTheQueueIsFull() throws Exception {
    try (ModelSim sim = ModelSim.start(base().slots(1).maxQueue(1).serviceMs(60_000).build());
        RawHttp running = RawHttp.post(sim.httpPort(), INFER, ONE_ELEMENT);
        RawHttp waiting = RawHttp.post(sim.httpPort(), INFER, ONE_ELEMENT)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().queued() == 1);
      HttpResponse<String> third = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + INFER))
              .POST(HttpRequest.BodyPublishers.ofString(ONE_ELEMENT)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(third.statusCode()).isEqualTo(503);
      assertThat(third.body()).contains("queue full");
      assertThat(sim.stats().rejected()).isEqualTo(1);
    }
  }

  @Test
  void aClientThatDisconnectsFreesItsSlotAndItsQueuePlace() throws Exception {
    try (ModelSim sim = ModelSim.start(base().slots(1).serviceMs(60_000).build())) {
      RawHttp running = RawHttp.post(sim.httpPort(), INFER, ONE_ELEMENT);
      await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().inFlight() == 1);
      RawHttp waiting = RawHttp.post(sim.httpPort(), INFER, ONE_ELEMENT);
      await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().queued() == 1);

      waiting.close();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(sim.stats().queued()).isZero();
        assertThat(sim.stats().cancelled()).isEqualTo(1);
      });
      assertThat(sim.stats().inFlight()).isEqualTo(1);

      running.close();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(sim.stats().inFlight()).isZero();
        assertThat(sim.stats().cancelled()).isEqualTo(2);
      });
      assertThat(sim.metricsText()).contains("aim_sim_cancelled_total 2");
      assertThat(sim.stats().completed()).isZero();
    }
  }

  @Test
  void anHttp2StreamResetFreesItsSlot() throws Exception {
    try (ModelSim sim = ModelSim.start(base().slots(1).serviceMs(60_000).build())) {
      HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
      HttpResponse<String> warm = c.send(
          HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/v2/health/live")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(warm.version()).isEqualTo(HttpClient.Version.HTTP_2);
      CompletableFuture<HttpResponse<String>> call = c.sendAsync(
          HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + INFER))
              .POST(HttpRequest.BodyPublishers.ofString(ONE_ELEMENT)).build(),
          HttpResponse.BodyHandlers.ofString());
      await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().inFlight() == 1);
      call.cancel(true); // the client resets the stream; the connection stays open
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(sim.stats().inFlight()).isZero();
        assertThat(sim.stats().cancelled()).isEqualTo(1);
      });
    }
  }

  @Test
  void kvCacheUsageRisesWithTokensInFlightAndHoldsBackAdmission() throws Exception {
    // 40 prompt chars = 10 tokens, plus 30 to generate: each request holds 40 of 100 KV tokens.
    String body = chat(40, 30);
    try (ModelSim sim = ModelSim.start(base().slots(4).kvCacheTokens(100).serviceMs(60_000).build());
        RawHttp first = RawHttp.post(sim.httpPort(), "/v1/chat/completions", body)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().kvTokensUsed() == 40);
      assertThat(sim.metricsText()).contains("vllm:kv_cache_usage_perc{model_name=\"demo\"} 0.4");
      try (RawHttp second = RawHttp.post(sim.httpPort(), "/v1/chat/completions", body)) {
        await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().kvTokensUsed() == 80);
        try (RawHttp third = RawHttp.post(sim.httpPort(), "/v1/chat/completions", body)) {
          // Two of four slots are free, but the cache is not: the third request waits.
          await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().queued() == 1);
          SimStats s = sim.stats();
          assertThat(s.inFlight()).isEqualTo(2);
          assertThat(s.kvCacheUsage()).isEqualTo(0.8);
          assertThat(sim.metricsText())
              .contains("vllm:num_requests_waiting{model_name=\"demo\"} 1")
              .contains("vllm:num_requests_running{model_name=\"demo\"} 2");
          first.close();
          // The first request's tokens leave the cache, and the waiting one moves in.
          await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(sim.stats().queued()).isZero();
            assertThat(sim.stats().inFlight()).isEqualTo(2);
            assertThat(sim.stats().kvTokensUsed()).isEqualTo(80);
          });
        }
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> sim.stats().kvTokensUsed() == 0);
    }
  }

  @Test
  void refusesARequestLargerThanTheWholeKvCache() throws Exception {
    try (ModelSim sim = ModelSim.start(base().kvCacheTokens(50).serviceMs(1).build())) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + "/v1/completions"))
              .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"abcd\", \"max_tokens\": 60}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(400);
      assertThat(r.body()).contains("KV-cache tokens");
    }
  }
}
