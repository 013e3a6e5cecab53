package ai.aim.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request the sidecar refuses before admission (400, 405, 413, 431). Carries no stack trace: it
 * is a value on the request path, not a fault.
 */
final class BadRequestException extends Exception {

  private final HttpResponseStatus status;
  private final String error;

  BadRequestException(HttpResponseStatus status, String error, String reason) {
    super(reason, null, false, false);
    this.status = status;
    this.error = error;
  }

  BadRequestException(String reason) {
    this(HttpResponseStatus.BAD_REQUEST, "bad_request", reason);
  }

  HttpResponseStatus status() {
    return status;
  }

  String error() {
    return error;
  }
}
