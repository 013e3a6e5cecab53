package ai.aim.proxy.http;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The answers the sidecar makes itself: JSON {@code {"error": ..., "reason": ...}}. */
final class Responses {

  private Responses() {}

  static FullHttpResponse error(HttpResponseStatus status, String error, String reason) {
    byte[] body = json(error, reason).getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return r;
  }

  static String json(String error, String reason) {
    JsonStringEncoder enc = JsonStringEncoder.getInstance();
    return "{\"error\":\""
        + new String(enc.quoteAsString(error))
        + "\",\"reason\":\""
        + new String(enc.quoteAsString(reason))
        + "\"}";
  }

  /**
   * The answer to a request admission refused: {@code {"error":"shed","reason":"queue_full",
   * "priority":"low","model":"llama","retryAfterMs":250,"message":"..."}}.
   */
  static FullHttpResponse rejection(HttpResponseStatus status, String error, Rejection r) {
    JsonStringEncoder enc = JsonStringEncoder.getInstance();
    StringBuilder b = new StringBuilder(160);
    b.append("{\"error\":\"").append(enc.quoteAsString(error))
        .append("\",\"reason\":\"").append(enc.quoteAsString(r.code())).append('"');
    if (r.priority() != null) {
      b.append(",\"priority\":\"").append(enc.quoteAsString(r.priority())).append('"');
    }
    if (r.model() != null) {
      b.append(",\"model\":\"").append(enc.quoteAsString(r.model())).append('"');
    }
    b.append(",\"retryAfterMs\":").append(r.retryAfterMillis())
        .append(",\"message\":\"").append(enc.quoteAsString(r.reason())).append("\"}");
    byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
    FullHttpResponse resp =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    resp.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    return resp;
  }
}
