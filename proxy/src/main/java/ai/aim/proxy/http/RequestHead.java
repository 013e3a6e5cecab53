package ai.aim.proxy.http;

import ai.aim.proxy.admission.Priority;

/**
 * What the sidecar knows about a request once its head is parsed: the classification the
 * admission core decides on. Built on the request's event loop before admission; immutable
 * afterwards, so it may be handed to any thread.
 *
 * @param model the model name as the request named it (path, {@code x-aim-model} header or the
 *     configured default); never {@code null}, {@code "unknown"} when nothing named one
 * @param modelLabel {@code model} folded for metric labels: the model itself when it is
 *     configured, else {@code "unknown"} (bounded label values)
 * @param priority from {@code x-aim-priority}, else the model's default, else MEDIUM
 * @param arrivalNanos when the head was parsed, on the server's nano clock
 * @param timeoutNanos the relative deadline from {@code x-aim-deadline-ms} in nanoseconds, or
 *     {@link #NO_DEADLINE}
 * @param api the API recognised from the path
 * @param method the HTTP method, e.g. {@code POST}
 * @param path the request path without the query string
 * @param tenant from {@code x-aim-tenant}, or {@code null}: the fairness key inside a class
 * @param costTokens estimated cost in tokens for tenant fairness: {@code Content-Length / 4}
 *     (about four bytes of JSON per prompt token), at least 1; the body is never buffered to refine
 *     it
 */
public record RequestHead(
    String model,
    String modelLabel,
    Priority priority,
    long arrivalNanos,
    long timeoutNanos,
    ApiKind api,
    String method,
    String path,
    String tenant,
    long costTokens) {

  /** {@link #timeoutNanos()} of a request without a deadline. */
  public static final long NO_DEADLINE = -1;

  /** True when the client set a deadline. */
  public boolean hasDeadline() {
    return timeoutNanos != NO_DEADLINE;
  }

  /** The absolute deadline on the server's nano clock; only meaningful when {@link #hasDeadline()}. */
  public long deadlineNanos() {
    return arrivalNanos + timeoutNanos;
  }
}
