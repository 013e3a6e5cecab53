package ai.aim.sim.http;

import ai.aim.sim.SimStats;
import ai.aim.sim.engine.Engine;
import ai.aim.sim.engine.Generation;
import ai.aim.sim.engine.Simulator;
import ai.aim.sim.engine.Ticket;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;

import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Routes one complete request to its endpoint and answers it: KServe v2 and v1 REST, the
 * OpenAI-compatible completions, {@code /metrics} and the test-support {@code /sim/*}
 * endpoints. Lives for one exchange, on its event loop.
 */
final class Routes {
  static final String SERVER_NAME = "aim-model-sim";
  static final String SERVER_VERSION = "0.1.0";
  private static final HttpResponseStatus OK = HttpResponseStatus.OK;
  private static final HttpResponseStatus BAD = HttpResponseStatus.BAD_REQUEST;

  private final Simulator sim;
  private final ObjectMapper json;
  private final HttpHandler.Exchange x;

  Routes(Simulator sim, ObjectMapper json, HttpHandler.Exchange x) {
    this.sim = sim;
    this.json = json;
    this.x = x;
  }

  void dispatch() {
    String p = x.path;
    switch (p) {
      case "/v2/health/live" -> get(() -> x.sendJson(OK, Map.of("live", true)));
      case "/v2/health/ready" -> get(this::serverReady);
      case "/v2" -> get(() -> x.sendJson(OK, V2.serverMetadata(json)));
      case "/metrics" -> get(() -> x.send(OK, "text/plain; version=0.0.4; charset=utf-8",
          sim.prometheusText().getBytes(StandardCharsets.UTF_8)));
      case "/sim/stats" -> get(() -> x.sendJson(OK, statsJson(sim.stats())));
      case "/sim/ready" -> post(this::setReady);
      case "/sim/bytes" -> get(this::bytes);
      case "/sim/sink" -> post(() -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bytes", x.bodyBytes);
        m.put("crc32", x.crc.getValue());
        x.sendJson(OK, m);
      });
      case "/v1/chat/completions" -> post(() -> openAi(true));
      case "/v1/completions" -> post(() -> openAi(false));
      case "/v1/models" -> get(this::openAiModels);
      default -> {
        if (p.startsWith("/v2/models/")) {
          v2Model(p.substring("/v2/models/".length()));
        } else if (p.startsWith("/v1/models/")) {
          v1Model(p.substring("/v1/models/".length()));
        } else {
          x.sendError(HttpResponseStatus.NOT_FOUND, "no endpoint at " + p);
        }
      }
    }
  }

  // ---- method guards --------------------------------------------------------------------

  private void get(Runnable r) {
    method("GET", r);
  }

  private void post(Runnable r) {
    method("POST", r);
  }

  private void method(String expected, Runnable r) {
    if (x.method().equals(expected) || (expected.equals("GET") && x.method().equals("HEAD"))) {
      r.run();
    } else {
      x.sendError(HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method " + x.method() + " on " + x.path + " (expected: " + expected + ")");
    }
  }

  // ---- health and test support -----------------------------------------------------------

  private void serverReady() {
    boolean r = sim.ready();
    x.sendJson(r ? OK : HttpResponseStatus.SERVICE_UNAVAILABLE, Map.of("ready", r));
  }

  private void setReady() {
    String v = x.queryParam("value");
    if (!"true".equals(v) && !"false".equals(v)) {
      x.sendError(BAD, "value: " + v + " (expected: true|false)");
      return;
    }
    sim.setReady(Boolean.parseBoolean(v));
    x.sendJson(OK, Map.of("ready", sim.ready()));
  }

  static Map<String, Object> statsJson(SimStats s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("requests", s.requests());
    m.put("completed", s.completed());
    m.put("inFlight", s.inFlight());
    m.put("queued", s.queued());
    m.put("rejected", s.rejected());
    m.put("cancelled", s.cancelled());
    m.put("failed", s.failed());
    m.put("preempted", s.preempted());
    m.put("maxConcurrentObserved", s.maxConcurrentObserved());
    m.put("kvTokensUsed", s.kvTokensUsed());
    m.put("kvCacheTokens", s.kvCacheTokens());
    m.put("kvCacheUsage", s.kvCacheUsage());
    m.put("priorities", s.priorities());
    return m;
  }

  private void bytes() {
    String nText = x.queryParam("n");
    long n;
    try {
      n = Long.parseLong(nText);
    } catch (NumberFormatException e) {
      x.sendError(BAD, "n: " + nText + " (expected: a byte count >= 0)");
      return;
    }
    if (n < 0) {
      x.sendError(BAD, "n: " + n + " (expected: >= 0)");
      return;
    }
    x.armResetFault();
    new BytesProducer(x, n).start();
  }

  // ---- KServe v2 ------------------------------------------------------------------------

  private void v2Model(String rest) {
    String[] parts = rest.split("/", -1);
    String model = parts[0];
    int i = 1;
    if (parts.length >= 3 && parts[1].equals("versions")) {
      i = 3; // /v2/models/{m}/versions/{v}/...: one version, "1", is served for every model
    }
    String action = parts.length > i ? parts[i] : "";
    if (parts.length > i + 1 || model.isEmpty()) {
      x.sendError(HttpResponseStatus.NOT_FOUND, "no endpoint at " + x.path);
      return;
    }
    if (!sim.hasModel(model)) {
      x.sendError(HttpResponseStatus.NOT_FOUND, "unknown model: " + model);
      return;
    }
    switch (action) {
      case "" -> get(() -> x.sendJson(OK, V2.modelMetadata(json, model)));
      case "ready" -> get(() -> {
        boolean r = sim.ready();
        x.sendJson(r ? OK : HttpResponseStatus.SERVICE_UNAVAILABLE, Map.of("name", model, "ready", r));
      });
      case "infer" -> post(() -> v2Infer(model));
      default -> x.sendError(HttpResponseStatus.NOT_FOUND, "no endpoint at " + x.path);
    }
  }

  private void v2Infer(String model) {
    JsonNode root = parseObject();
    if (root == null) {
      return;
    }
    V2.Request req;
    try {
      req = V2.parse(root);
    } catch (IllegalArgumentException e) {
      x.sendError(BAD, e.getMessage());
      return;
    }
    run(req.priority(), req.elements(), 1, false, null, null, () -> {
      x.sendJson(OK, V2.response(json, model, req));
    });
  }

  // ---- KServe v1 ------------------------------------------------------------------------

  private void v1Model(String rest) {
    boolean predict = rest.endsWith(":predict");
    String model = predict ? rest.substring(0, rest.length() - ":predict".length()) : rest;
    if (model.isEmpty() || model.contains("/")) {
      x.sendError(HttpResponseStatus.NOT_FOUND, "no endpoint at " + x.path);
      return;
    }
    if (!sim.hasModel(model)) {
      x.sendError(HttpResponseStatus.NOT_FOUND, "unknown model: " + model);
      return;
    }
    if (!predict) {
      get(() -> x.sendJson(OK, Map.of("name", model, "ready", sim.ready())));
      return;
    }
    post(() -> {
      JsonNode root = parseObject();
      if (root == null) {
        return;
      }
      JsonNode instances = root.get("instances");
      if (instances == null || !instances.isArray()) {
        x.sendError(BAD, "instances: " + (instances == null ? "missing" : instances.getNodeType())
            + " (expected: an array)");
        return;
      }
      run(null, Math.max(1, instances.size()), 1, false, null, null, () -> {
        ObjectNode out = json.createObjectNode();
        out.set("predictions", instances);
        x.sendJson(OK, out);
      });
    });
  }

  // ---- OpenAI-compatible ----------------------------------------------------------------

  private void openAiModels() {
    ArrayNode data = json.createArrayNode();
    for (String m : sim.config().models()) {
      data.addObject().put("id", m).put("object", "model").put("owned_by", SERVER_NAME);
    }
    ObjectNode out = json.createObjectNode().put("object", "list");
    out.set("data", data);
    x.sendJson(OK, out);
  }

  private void openAi(boolean chat) {
    JsonNode root = parseObject();
    if (root == null) {
      return;
    }
    OpenAi.Request req;
    try {
      req = OpenAi.parse(root, chat, sim.config().models().get(0), sim.config().defaultMaxTokens());
    } catch (IllegalArgumentException e) {
      x.sendJson(BAD, OpenAi.error(e.getMessage(), "BadRequestError", 400));
      return;
    }
    if (!sim.hasModel(req.model())) {
      x.sendJson(HttpResponseStatus.NOT_FOUND,
          OpenAi.error("The model `" + req.model() + "` does not exist.", "NotFoundError", 404));
      return;
    }
    OpenAi.Writer w = new OpenAi.Writer(json, req, chat);
    if (req.stream()) {
      run(req.priority(), req.promptTokens(), req.maxTokens(), true,
          () -> {
            x.startStream(OK, "text/event-stream", -1);
            if (chat) {
              x.streamChunk(w.sse(w.roleChunk()));
            }
          },
          i -> x.streamChunk(w.sse(w.tokenChunk(i))),
          () -> {
            if (req.includeUsage()) {
              x.streamChunk(w.sse(w.usageChunk()));
            }
            if (x.streamChunk(io.netty.buffer.Unpooled.copiedBuffer("data: [DONE]\n\n", StandardCharsets.UTF_8))) {
              x.endStream();
            }
          });
    } else {
      run(req.priority(), req.promptTokens(), req.maxTokens(), false, null, null,
          () -> x.sendJson(OK, w.full()));
    }
  }

  // ---- shared inference path ------------------------------------------------------------

  /**
   * Runs one inference through the fault dice and the capacity engine. {@code onStart} and
   * {@code onToken} may be null (non-streaming); {@code onDone} answers the client.
   */
  private void run(String priority, long contextTokens, int tokens, boolean streaming,
      Runnable onStart, IntConsumer onToken, Runnable onDone) {
    sim.engine().arrived(priority);
    switch (sim.rollFault()) {
      case FAIL -> {
        x.sendError(HttpResponseStatus.INTERNAL_SERVER_ERROR, "injected failure (--fail-rate)");
        return;
      }
      case HANG -> {
        return; // accepted, never answered (--hang); the exchange ends when the client leaves
      }
      default -> { }
    }
    x.armResetFault();
    Generation g = Generation.begin(sim.engine(), sim.times(), x.loop(), contextTokens,
        Engine.rank(priority), tokens,
        streaming, new Generation.Listener() {
          @Override
          public void rejected(Ticket.State reason) {
            if (reason == Ticket.State.REJECTED_TOO_LARGE) {
              x.sendError(BAD, "request needs " + (contextTokens + tokens)
                  + " KV-cache tokens (expected: <= " + sim.config().kvCacheTokens() + ")");
            } else {
              x.sendError(HttpResponseStatus.SERVICE_UNAVAILABLE,
                  "queue full (max-queue " + sim.config().maxQueue() + ")");
            }
          }

          @Override
          public void started() {
            if (onStart != null) {
              onStart.run();
            }
          }

          @Override
          public void token(int index) {
            if (onToken != null) {
              onToken.accept(index);
            }
          }

          @Override
          public void finished() {
            onDone.run();
          }
        });
    x.onGone = g::cancel;
  }

  private JsonNode parseObject() {
    ByteBuf body = x.body();
    JsonNode root;
    try {
      root = json.readTree((java.io.InputStream) new ByteBufInputStream(body.duplicate()));
    } catch (JsonProcessingException e) {
      x.sendError(BAD, "invalid JSON: " + e.getOriginalMessage());
      return null;
    } catch (IOException e) {
      x.sendError(BAD, "unreadable body: " + e.getMessage());
      return null;
    }
    if (root == null || !root.isObject()) {
      x.sendError(BAD, "body: " + (root == null ? "empty" : root.getNodeType())
          + " (expected: a JSON object)");
      return null;
    }
    return root;
  }

}
