package ai.aim.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SseStreamingTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static ModelSim sim;

  @BeforeAll
  static void start() {
    sim = ModelSim.start(SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(-1)
        .slots(1).serviceMs(0).decodeMsPerToken(60).build());
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  @ParameterizedTest
  @EnumSource(HttpClient.Version.class)
  void streamsTokensOneByOneWhileTheGenerationIsStillRunning(HttpClient.Version v) throws Exception {
    HttpClient c = HttpClient.newBuilder().version(v).build();
    long completedBefore = sim.stats().completed();
    HttpResponse<InputStream> r = c.send(HttpRequest.newBuilder(
            URI.create(sim.httpBaseUrl() + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString("""
            {"model": "demo", "stream": true, "max_tokens": 25, "stream_options": {"include_usage": true},
             "messages": [{"role": "user", "content": "stream me"}]}""")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
    List<JsonNode> chunks = new ArrayList<>();
    boolean done = false;
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.isEmpty()) {
          continue;
        }
        assertThat(line).startsWith("data: ");
        String data = line.substring(6);
        if (data.equals("[DONE]")) {
          done = true;
          break;
        }
        JsonNode chunk = JSON.readTree(data);
        if (!chunk.at("/choices/0/delta/content").asText().isEmpty()) {
          if (chunks.isEmpty()) {
            // The first token is here; the generation must still hold its slot (the slot is
            // released only after the last token), so tokens are not batched at the end.
            assertThat(sim.stats().completed()).isEqualTo(completedBefore);
            assertThat(sim.stats().inFlight()).isEqualTo(1);
          }
          chunks.add(chunk);
        } else if (chunk.has("usage")) {
          assertThat(chunk.at("/usage/completion_tokens").asInt()).isEqualTo(25);
          assertThat(chunk.at("/usage/prompt_tokens").asInt()).isEqualTo(3);
        }
      }
    }
    assertThat(done).isTrue();
    assertThat(chunks).hasSize(25);
    assertThat(chunks.get(0).get("object").asText()).isEqualTo("chat.completion.chunk");
    assertThat(chunks.get(24).at("/choices/0/finish_reason").asText()).isEqualTo("length");
    assertThat(chunks.get(0).at("/choices/0/finish_reason").isNull()).isTrue();
    assertThat(sim.stats().completed()).isEqualTo(completedBefore + 1);
  }
}
