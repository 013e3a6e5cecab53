package ai.aim.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RestEndpointsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static ModelSim sim;

  @BeforeAll
  static void start() {
    sim = ModelSim.start(SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(-1)
        .model("demo", "other").slots(4).serviceMs(1).build());
  }

  @AfterAll
  static void stop() {
    sim.close();
  }

  static HttpClient client(HttpClient.Version v) {
    return HttpClient.newBuilder().version(v).connectTimeout(Duration.ofSeconds(5)).build();
  }

  static HttpResponse<String> get(HttpClient c, String path) throws Exception {
    return c.send(HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(HttpClient c, String path, String body) throws Exception {
    return c.send(HttpRequest.newBuilder(URI.create(sim.httpBaseUrl() + path))
        .timeout(Duration.ofSeconds(10)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest
  @EnumSource(HttpClient.Version.class)
  void answersHealthAndMetadataOnBothHttpVersions(HttpClient.Version v) throws Exception {
    HttpClient c = client(v);
    HttpResponse<String> live = get(c, "/v2/health/live");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.version()).isEqualTo(v);
    assertThat(JSON.readTree(live.body()).get("live").asBoolean()).isTrue();
    assertThat(get(c, "/v2/health/ready").statusCode()).isEqualTo(200);
    JsonNode server = JSON.readTree(get(c, "/v2").body());
    assertThat(server.get("name").asText()).isEqualTo("aim-model-sim");
    assertThat(server.get("extensions").isArray()).isTrue();
    JsonNode meta = JSON.readTree(get(c, "/v2/models/other").body());
    assertThat(meta.get("name").asText()).isEqualTo("other");
    assertThat(meta.get("versions").get(0).asText()).isEqualTo("1");
    assertThat(meta.get("inputs").get(0).get("datatype").asText()).isEqualTo("FP32");
    assertThat(get(c, "/v2/models/demo/ready").statusCode()).isEqualTo(200);
    assertThat(get(c, "/v2/models/demo/versions/1/ready").statusCode()).isEqualTo(200);
    HttpResponse<String> unknown = get(c, "/v2/models/nope/ready");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).get("error").asText()).contains("nope");
    assertThat(get(c, "/no/such/path").statusCode()).isEqualTo(404);
  }

  @ParameterizedTest
  @EnumSource(HttpClient.Version.class)
  void infersWithTheIdentityModelAndValidatesTheRequest(HttpClient.Version v) throws Exception {
    HttpClient c = client(v);
    HttpResponse<String> ok = post(c, "/v2/models/demo/infer", """
        {"id": "r1", "inputs": [{"name": "x", "shape": [2, 2], "datatype": "FP32",
          "data": [[1.5, 2], [3, 4]]}], "outputs": [{"name": "y"}]}""");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.version()).isEqualTo(v);
    JsonNode r = JSON.readTree(ok.body());
    assertThat(r.get("model_name").asText()).isEqualTo("demo");
    assertThat(r.get("id").asText()).isEqualTo("r1");
    JsonNode out = r.get("outputs").get(0);
    assertThat(out.get("name").asText()).isEqualTo("y");
    assertThat(out.get("shape").toString()).isEqualTo("[2,2]");
    assertThat(out.get("data").toString()).isEqualTo("[1.5,2,3,4]");

    HttpResponse<String> badShape = post(c, "/v2/models/demo/infer",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[3],\"datatype\":\"INT32\",\"data\":[1,2]}]}");
    assertThat(badShape.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(badShape.body()).get("error").asText()).contains("expected: 3");
    HttpResponse<String> badType = post(c, "/v2/models/demo/infer",
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FLOAT\",\"data\":[1]}]}");
    assertThat(badType.statusCode()).isEqualTo(400);
    HttpResponse<String> noName = post(c, "/v2/models/demo/infer",
        "{\"inputs\":[{\"shape\":[1],\"datatype\":\"INT32\",\"data\":[1]}]}");
    assertThat(noName.statusCode()).isEqualTo(400);
    assertThat(post(c, "/v2/models/demo/infer", "{\"inputs\": []}").statusCode()).isEqualTo(400);
    HttpResponse<String> badJson = post(c, "/v2/models/demo/infer", "{not json");
    assertThat(badJson.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(badJson.body()).get("error").asText()).contains("invalid JSON");
    HttpResponse<String> unknown = post(c, "/v2/models/nope/infer", "{}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).has("error")).isTrue();
    assertThat(get(c, "/v2/models/demo/infer").statusCode()).isEqualTo(405);
  }

  @ParameterizedTest
  @EnumSource(HttpClient.Version.class)
  void servesKServeV1Predict(HttpClient.Version v) throws Exception {
    HttpClient c = client(v);
    HttpResponse<String> r = post(c, "/v1/models/demo:predict", "{\"instances\": [[1, 2], [3, 4]]}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(r.body()).get("predictions").toString()).isEqualTo("[[1,2],[3,4]]");
    assertThat(post(c, "/v1/models/demo:predict", "{\"inputs\": 1}").statusCode()).isEqualTo(400);
    assertThat(post(c, "/v1/models/nope:predict", "{\"instances\": []}").statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(get(c, "/v1/models/demo").body()).get("ready").asBoolean()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(HttpClient.Version.class)
  void answersOpenAiCompletionsWithUsage(HttpClient.Version v) throws Exception {
    HttpClient c = client(v);
    // 17 characters of content -> ceil(17 / 4) = 5 prompt tokens
    JsonNode chat = JSON.readTree(post(c, "/v1/chat/completions", """
        {"model": "demo", "max_tokens": 3,
         "messages": [{"role": "user", "content": "twelve chars"}, {"role": "user", "content": "five!"}]}
        """).body());
    assertThat(chat.get("object").asText()).isEqualTo("chat.completion");
    assertThat(chat.at("/choices/0/message/role").asText()).isEqualTo("assistant");
    assertThat(chat.at("/choices/0/message/content").asText().trim().split(" ")).hasSize(3);
    assertThat(chat.at("/usage/prompt_tokens").asInt()).isEqualTo(5);
    assertThat(chat.at("/usage/completion_tokens").asInt()).isEqualTo(3);
    assertThat(chat.at("/usage/total_tokens").asInt()).isEqualTo(8);

    JsonNode completion = JSON.readTree(post(c, "/v1/completions",
        "{\"prompt\": \"abcdefgh\", \"max_tokens\": 2}").body());
    assertThat(completion.get("object").asText()).isEqualTo("text_completion");
    assertThat(completion.at("/usage/prompt_tokens").asInt()).isEqualTo(2);
    assertThat(completion.at("/usage/completion_tokens").asInt()).isEqualTo(2);

    HttpResponse<String> unknown = post(c, "/v1/chat/completions",
        "{\"model\": \"nope\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).at("/error/message").asText()).contains("nope");
    assertThat(post(c, "/v1/chat/completions", "{\"messages\": []}").statusCode()).isEqualTo(400);
    assertThat(post(c, "/v1/completions", "{\"prompt\": \"x\", \"max_tokens\": 0}").statusCode())
        .isEqualTo(400);
    JsonNode models = JSON.readTree(get(c, "/v1/models").body());
    assertThat(models.get("data")).hasSize(2);
  }

  @Test
  void recordsThePriorityEachRequestCarried() throws Exception {
    HttpClient c = client(HttpClient.Version.HTTP_1_1);
    long before = sim.stats().priorities().getOrDefault("7", 0L);
    long beforeV2 = sim.stats().priorities().getOrDefault("3", 0L);
    post(c, "/v1/chat/completions",
        "{\"priority\": 7, \"max_tokens\": 1, \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}");
    post(c, "/v1/completions", "{\"priority\": 7, \"max_tokens\": 1, \"prompt\": \"x\"}");
    post(c, "/v2/models/demo/infer", """
        {"parameters": {"priority": 3},
         "inputs": [{"name": "x", "shape": [1], "datatype": "INT32", "data": [1]}]}""");
    assertThat(sim.stats().priorities().get("7")).isEqualTo(before + 2);
    assertThat(sim.stats().priorities().get("3")).isEqualTo(beforeV2 + 1);
    JsonNode stats = JSON.readTree(get(c, "/sim/stats").body());
    assertThat(stats.at("/priorities/7").asLong()).isEqualTo(before + 2);
    assertThat(post(c, "/v1/completions", "{\"priority\": \"high\", \"prompt\": \"x\"}").statusCode())
        .isEqualTo(400);
  }

  @Test
  void exposesEngineGaugesInPrometheusText() throws Exception {
    HttpResponse<String> m = get(client(HttpClient.Version.HTTP_1_1), "/metrics");
    assertThat(m.statusCode()).isEqualTo(200);
    assertThat(m.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
    assertThat(m.body())
        .contains("# TYPE vllm:num_requests_running gauge")
        .contains("vllm:num_requests_running{model_name=\"demo\"} ")
        .contains("vllm:num_requests_waiting{model_name=\"demo\"} ")
        .contains("vllm:kv_cache_usage_perc{model_name=\"demo\"} ")
        .containsPattern("(?m)^aim_sim_requests_total \\d+$")
        .containsPattern("(?m)^aim_sim_cancelled_total \\d+$");
  }

  @Test
  void readinessCanBeToggledForTests() throws Exception {
    HttpClient c = client(HttpClient.Version.HTTP_1_1);
    try {
      assertThat(post(c, "/sim/ready?value=false", "").statusCode()).isEqualTo(200);
      assertThat(get(c, "/v2/health/ready").statusCode()).isEqualTo(503);
      assertThat(get(c, "/v2/models/demo/ready").statusCode()).isEqualTo(503);
      assertThat(get(c, "/v2/health/live").statusCode()).isEqualTo(200);
      assertThat(post(c, "/sim/ready?value=maybe", "").statusCode()).isEqualTo(400);
      sim.setReady(true);
      assertThat(get(c, "/v2/health/ready").statusCode()).isEqualTo(200);
    } finally {
      sim.setReady(true);
    }
  }

  @Test
  void keepsHttp11ConnectionsAlive() throws Exception {
    try (Socket s = new Socket("127.0.0.1", sim.httpPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      for (int i = 0; i < 3; i++) {
        out.write("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
        int length = -1;
        for (String line = in.readLine(); !line.isEmpty(); line = in.readLine()) {
          if (line.toLowerCase().startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(15).trim());
          }
        }
        char[] body = new char[length];
        int n = 0;
        while (n < length) {
          n += in.read(body, n, length - n);
        }
        assertThat(new String(body)).isEqualTo("{\"live\":true}");
      }
    }
  }

  @Test
  void answersExpectContinueBeforeTheBodyIsSent() throws Exception {
    try (Socket s = new Socket("127.0.0.1", sim.httpPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("POST /sim/sink HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
          + "Expect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      var in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
      assertThat(in.readLine()).isEmpty();
      out.write("abc".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
    }
  }

  @Test
  void speaksHttp2WithPriorKnowledge() throws Exception {
    try (Socket s = new Socket("127.0.0.1", sim.httpPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS frame
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] header = new byte[9];
      in.readFully(header);
      assertThat(header[3]).as("frame type of the server's first frame").isEqualTo((byte) 4);
      assertThat(header[4] & 1).as("not an ACK: the server's own SETTINGS").isZero();
    }
  }
}
