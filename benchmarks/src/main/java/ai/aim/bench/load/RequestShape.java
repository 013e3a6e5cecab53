package ai.aim.bench.load;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a planned request looks like on the wire, shared by the JDK HttpClient sender and the
 * socket probe so both send the same thing for a class: the path, the JSON body and the headers
 * besides the ones each client adds itself (host, length, user-agent). Stateless apart from a
 * thread-safe cache of prompts.
 */
final class RequestShape {

  /** The OpenAI completions path, resolved against the target's base URL. */
  static final String PATH = "/v1/completions";

  /** Prompts are built once per size: 4 characters per token, model-sim's counting rule. */
  private static final Map<Integer, String> PROMPTS = new ConcurrentHashMap<>();

  private RequestShape() {}

  /** The JSON body of {@code r}. */
  static String body(String model, PlannedRequest r) {
    return "{\"model\":\"" + model + "\",\"prompt\":\"" + prompt(r.promptTokens())
        + "\",\"max_tokens\":" + r.maxTokens() + "}";
  }

  /** The request's own headers, names in lower case, in sending order. */
  static List<Map.Entry<String, String>> headers(LoadRun.Options options, PlannedRequest r) {
    List<Map.Entry<String, String>> h = new ArrayList<>(4);
    h.add(Map.entry("content-type", "application/json"));
    h.add(Map.entry("x-aim-model", options.model()));
    h.add(Map.entry("x-aim-priority", r.priority().label()));
    if (r.tenant() != null && options.sendTenantHeader()) {
      h.add(Map.entry("x-aim-tenant", r.tenant()));
    }
    return h;
  }

  /**
   * The whole HTTP/1.1 request as bytes, for a client that writes to a socket itself: request
   * line, {@code host}, the headers of {@link #headers}, {@code user-agent}, {@code content-length}
   * and the body. Keep-alive is HTTP/1.1's default, so no {@code connection} header.
   */
  static byte[] http11(LoadRun.Options options, PlannedRequest r, String userAgent) {
    String path = options.target().resolve(PATH).getRawPath();
    int port = options.target().getPort() < 0 ? 80 : options.target().getPort();
    byte[] body = body(options.model(), r).getBytes(StandardCharsets.UTF_8);
    StringBuilder head = new StringBuilder(256)
        .append("POST ").append(path).append(" HTTP/1.1\r\n")
        .append("host: ").append(options.target().getHost()).append(':').append(port).append("\r\n");
    for (Map.Entry<String, String> e : headers(options, r)) {
      head.append(e.getKey()).append(": ").append(e.getValue()).append("\r\n");
    }
    head.append("user-agent: ").append(userAgent).append("\r\n")
        .append("content-length: ").append(body.length).append("\r\n\r\n");
    byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[h.length + body.length];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(body, 0, out, h.length, body.length);
    return out;
  }

  private static String prompt(int tokens) {
    return PROMPTS.computeIfAbsent(tokens, n -> "abc ".repeat(n));
  }
}
