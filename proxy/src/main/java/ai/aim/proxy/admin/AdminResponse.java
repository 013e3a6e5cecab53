package ai.aim.proxy.admin;

import java.nio.charset.StandardCharsets;

/**
 * What an admin route answers. Immutable (the body array is not copied: do not change it after).
 *
 * @param status HTTP status code
 * @param contentType the Content-Type header
 * @param body the body bytes
 */
public record AdminResponse(int status, String contentType, byte[] body) {

  /** A JSON answer. */
  public static AdminResponse json(int status, String json) {
    return new AdminResponse(status, "application/json", json.getBytes(StandardCharsets.UTF_8));
  }

  /** A plain-text answer. */
  public static AdminResponse text(int status, String text) {
    return new AdminResponse(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
  }
}
