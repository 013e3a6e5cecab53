package ai.aim.proxy.propagation;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Sets a priority field in a JSON request body by splicing bytes: every byte outside the field's
 * value stays as the client sent it (no re-serialisation, so numbers, spacing and key order of the
 * rest are untouched). The body is validated in full with Jackson's streaming parser first; a body
 * that is not exactly one JSON object is left alone ({@code null} result), and the engine answers
 * it as it would without the sidecar.
 *
 * <p>A value the client set itself is replaced: the class the sidecar admitted the request in is
 * what the engine hears (every occurrence, should the key be duplicated). Stateless; safe on any
 * thread.
 */
public final class JsonPriorityRewriter {

  private static final JsonFactory JSON = new JsonFactory();
  private static final String PRIORITY = "priority";
  private static final String PARAMETERS = "parameters";

  private JsonPriorityRewriter() {}

  /**
   * OpenAI-compatible bodies (vLLM): the top-level {@code priority} field.
   *
   * @return the rewritten body, or {@code null} when the body is not one JSON object
   */
  public static byte[] topLevel(byte[] body, long value) {
    return rewrite(body, value, false);
  }

  /**
   * KServe v2 REST infer bodies: {@code parameters.priority}, adding {@code parameters} when
   * absent.
   *
   * @return the rewritten body, or {@code null} when the body is not one JSON object or its {@code
   *     parameters} is not an object
   */
  public static byte[] inParameters(byte[] body, long value) {
    return rewrite(body, value, true);
  }

  /** A byte range [from, to) of the body holding a value to replace. */
  private record Span(int from, int to) {}

  private static byte[] rewrite(byte[] body, long value, boolean nested) {
    List<Span> spans = new ArrayList<>(1);
    int rootOpen = -1;
    boolean rootEmpty = true;
    int paramsOpen = -1;
    boolean paramsEmpty = true;
    int parametersSeen = 0;
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      rootOpen = (int) p.currentTokenLocation().getByteOffset();
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        rootEmpty = false;
        String name = p.currentName();
        JsonToken v = p.nextToken();
        if (!nested && PRIORITY.equals(name)) {
          spans.add(valueSpan(p));
        } else if (nested && PARAMETERS.equals(name)) {
          if (++parametersSeen > 1) {
            return null; // a duplicated "parameters": which one the engine reads is its own choice
          }
          if (v != JsonToken.START_OBJECT) {
            if (v == JsonToken.VALUE_NULL) {
              spans.add(valueSpan(p)); // "parameters": null is replaced by an object below
              continue;
            }
            return null;
          }
          paramsOpen = (int) p.currentTokenLocation().getByteOffset();
          JsonToken pt;
          while ((pt = p.nextToken()) == JsonToken.FIELD_NAME) {
            paramsEmpty = false;
            String pn = p.currentName();
            p.nextToken();
            if (PRIORITY.equals(pn)) {
              spans.add(valueSpan(p));
            } else {
              p.skipChildren();
            }
          }
          if (pt != JsonToken.END_OBJECT) {
            return null;
          }
        } else {
          p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        return null;
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
    byte[] number = Long.toString(value).getBytes(StandardCharsets.US_ASCII);
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 32);
    if (nested && paramsOpen < 0 && !spans.isEmpty()) {
      // "parameters": null
      byte[] obj = ("{\"" + PRIORITY + "\":" + value + "}").getBytes(StandardCharsets.US_ASCII);
      return splice(body, spans, obj, out);
    }
    if (!spans.isEmpty()) {
      return splice(body, spans, number, out);
    }
    if (nested && paramsOpen >= 0) {
      String field = "\"" + PRIORITY + "\":" + value + (paramsEmpty ? "" : ",");
      return insert(body, paramsOpen + 1, field, out);
    }
    String field = nested
        ? "\"" + PARAMETERS + "\":{\"" + PRIORITY + "\":" + value + "}"
        : "\"" + PRIORITY + "\":" + value;
    return insert(body, rootOpen + 1, rootEmpty ? field : field + ",", out);
  }

  /** The span of the value the parser is on (scalars, objects and arrays alike). */
  private static Span valueSpan(JsonParser p) throws IOException {
    int from = (int) p.currentTokenLocation().getByteOffset();
    p.skipChildren();
    p.finishToken();
    int to = (int) p.currentLocation().getByteOffset();
    return new Span(from, to);
  }

  private static byte[] splice(byte[] body, List<Span> spans, byte[] with, ByteArrayOutputStream out) {
    int at = 0;
    for (Span s : spans) {
      out.write(body, at, s.from - at);
      out.write(with, 0, with.length);
      at = s.to;
    }
    out.write(body, at, body.length - at);
    return out.toByteArray();
  }

  private static byte[] insert(byte[] body, int at, String text, ByteArrayOutputStream out) {
    byte[] t = text.getBytes(StandardCharsets.US_ASCII);
    out.write(body, 0, at);
    out.write(t, 0, t.length);
    out.write(body, at, body.length - at);
    return out.toByteArray();
  }
}
