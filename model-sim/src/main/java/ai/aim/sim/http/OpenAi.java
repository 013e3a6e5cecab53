package ai.aim.sim.http;

import ai.aim.sim.engine.Tokens;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * OpenAI-compatible request parsing and answer building for {@code /v1/chat/completions} and
 * {@code /v1/completions}. Prompt tokens follow {@link Tokens#estimate}; the answer is always
 * {@code max_tokens} tokens long ({@code finish_reason: "length"}).
 */
final class OpenAi {
  private static final AtomicLong IDS = new AtomicLong();

  /** A validated request. */
  record Request(String model, long promptTokens, int maxTokens, boolean stream,
      boolean includeUsage, String priority) {}

  private OpenAi() {}

  static Map<String, Object> error(String message, String type, int code) {
    return Map.of("error", Map.of("message", message, "type", type, "code", code));
  }

  static Request parse(JsonNode root, boolean chat, String defaultModel, int defaultMaxTokens) {
    JsonNode m = root.get("model");
    if (m != null && !m.isTextual()) {
      throw new IllegalArgumentException("model: " + m.getNodeType() + " (expected: a string)");
    }
    String model = m == null ? defaultModel : m.asText();
    long promptTokens;
    if (chat) {
      JsonNode messages = root.get("messages");
      if (messages == null || !messages.isArray() || messages.isEmpty()) {
        throw new IllegalArgumentException("messages: " + (messages == null ? "missing" : messages)
            + " (expected: a non-empty array)");
      }
      long chars = 0;
      for (int i = 0; i < messages.size(); i++) {
        JsonNode msg = messages.get(i);
        if (!msg.isObject() || !msg.path("role").isTextual()) {
          throw new IllegalArgumentException("messages[" + i + "]: " + msg
              + " (expected: an object with a string 'role')");
        }
        JsonNode content = msg.get("content");
        if (content == null || content.isNull()) {
          continue;
        }
        if (content.isTextual()) {
          chars += content.asText().length();
        } else if (content.isArray()) {
          for (JsonNode part : content) {
            chars += part.path("text").asText("").length();
          }
        } else {
          throw new IllegalArgumentException("messages[" + i + "].content: " + content.getNodeType()
              + " (expected: a string or an array of parts)");
        }
      }
      promptTokens = Tokens.estimate(chars);
    } else {
      JsonNode prompt = root.get("prompt");
      if (prompt == null) {
        throw new IllegalArgumentException("prompt: missing (expected: a string or an array)");
      }
      if (prompt.isTextual()) {
        promptTokens = Tokens.estimate(prompt.asText().length());
      } else if (prompt.isArray()) {
        long chars = 0;
        long ids = 0;
        for (JsonNode p : prompt) {
          if (p.isTextual()) {
            chars += p.asText().length();
          } else if (p.isIntegralNumber()) {
            ids++; // a pre-tokenized prompt: each id is one token
          } else {
            throw new IllegalArgumentException("prompt: element " + p
                + " (expected: strings or token ids)");
          }
        }
        promptTokens = Tokens.estimate(chars) + ids;
      } else {
        throw new IllegalArgumentException("prompt: " + prompt.getNodeType()
            + " (expected: a string or an array)");
      }
    }
    promptTokens = Math.max(1, promptTokens);
    int maxTokens = defaultMaxTokens;
    JsonNode mt = root.has("max_completion_tokens") ? root.get("max_completion_tokens") : root.get("max_tokens");
    if (mt != null && !mt.isNull()) {
      if (!mt.isIntegralNumber() || mt.asLong() < 1 || mt.asLong() > 1_000_000) {
        throw new IllegalArgumentException("max_tokens: " + mt + " (expected: an integer 1..1000000)");
      }
      maxTokens = mt.asInt();
    }
    JsonNode s = root.get("stream");
    if (s != null && !s.isNull() && !s.isBoolean()) {
      throw new IllegalArgumentException("stream: " + s + " (expected: true or false)");
    }
    boolean stream = s != null && s.asBoolean();
    boolean includeUsage = root.path("stream_options").path("include_usage").asBoolean(false);
    String priority = null;
    JsonNode p = root.get("priority");
    if (p != null && !p.isNull()) {
      if (!p.isIntegralNumber()) {
        throw new IllegalArgumentException("priority: " + p + " (expected: an integer)");
      }
      priority = p.asText();
    }
    return new Request(model, promptTokens, maxTokens, stream, includeUsage, priority);
  }

  /** Builds the JSON of one request's answer; one per request, on its event loop. */
  static final class Writer {
    private final ObjectMapper json;
    private final Request req;
    private final boolean chat;
    private final String id;
    private final long created = System.currentTimeMillis() / 1000;

    Writer(ObjectMapper json, Request req, boolean chat) {
      this.json = json;
      this.req = req;
      this.chat = chat;
      this.id = (chat ? "chatcmpl-" : "cmpl-") + IDS.incrementAndGet();
    }

    private ObjectNode head(boolean chunk) {
      String object = chat ? (chunk ? "chat.completion.chunk" : "chat.completion") : "text_completion";
      return json.createObjectNode().put("id", id).put("object", object).put("created", created)
          .put("model", req.model());
    }

    ObjectNode roleChunk() {
      ObjectNode n = head(true);
      ObjectNode c = n.putArray("choices").addObject().put("index", 0);
      c.putObject("delta").put("role", "assistant").put("content", "");
      c.putNull("finish_reason");
      return n;
    }

    ObjectNode tokenChunk(int i) {
      ObjectNode n = head(true);
      ObjectNode c = n.putArray("choices").addObject().put("index", 0);
      if (chat) {
        c.putObject("delta").put("content", Tokens.word(i));
      } else {
        c.put("text", Tokens.word(i));
        c.putNull("logprobs");
      }
      if (i == req.maxTokens() - 1) {
        c.put("finish_reason", "length");
      } else {
        c.putNull("finish_reason");
      }
      return n;
    }

    ObjectNode usageChunk() {
      ObjectNode n = head(true);
      n.putArray("choices");
      usage(n);
      return n;
    }

    ObjectNode full() {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < req.maxTokens(); i++) {
        text.append(Tokens.word(i));
      }
      ObjectNode n = head(false);
      ObjectNode c = n.putArray("choices").addObject().put("index", 0);
      if (chat) {
        c.putObject("message").put("role", "assistant").put("content", text.toString());
      } else {
        c.put("text", text.toString());
        c.putNull("logprobs");
      }
      c.put("finish_reason", "length");
      usage(n);
      return n;
    }

    private void usage(ObjectNode n) {
      n.putObject("usage")
          .put("prompt_tokens", req.promptTokens())
          .put("completion_tokens", req.maxTokens())
          .put("total_tokens", req.promptTokens() + req.maxTokens());
    }

    /** One server-sent event: {@code data: <json>\n\n}. */
    ByteBuf sse(ObjectNode n) {
      try {
        byte[] b = json.writeValueAsBytes(n);
        ByteBuf buf = Unpooled.buffer(b.length + 8);
        buf.writeBytes("data: ".getBytes(StandardCharsets.US_ASCII)).writeBytes(b)
            .writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
        return buf;
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
