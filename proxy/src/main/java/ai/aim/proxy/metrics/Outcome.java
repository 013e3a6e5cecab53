package ai.aim.proxy.metrics;

import java.util.Locale;

/**
 * How one request ended, as seen by the sidecar. The label value of {@code outcome} in
 * {@code aim_model_requests_total} and {@code aim_model_request_latency_seconds}.
 *
 * <p>{@link #isSidecarError()} marks the answers the sidecar made itself instead of the model
 * server; the availability objective counts those against the error budget.
 */
public enum Outcome {
  /** The model server answered with a 1xx-3xx status (gRPC: OK). */
  OK(false),
  /** The model server answered 4xx (gRPC: a client-side status such as INVALID_ARGUMENT). */
  CLIENT_ERROR(false),
  /** The model server answered 5xx or a server-side gRPC status. */
  UPSTREAM_ERROR(false),
  /** The sidecar refused the request before admission: 400 / INVALID_ARGUMENT. */
  BAD_REQUEST(false),
  /** Shed by admission: 429 / RESOURCE_EXHAUSTED. */
  SHED(true),
  /** The deadline passed or could not be met: 504 / DEADLINE_EXCEEDED. */
  DEADLINE(true),
  /** The model server could not be reached: 503 / UNAVAILABLE. */
  UNAVAILABLE(true),
  /** The client went away before the answer was complete. */
  CANCELLED(false);

  private final boolean sidecarError;
  private final String label;

  Outcome(boolean sidecarError) {
    this.sidecarError = sidecarError;
    this.label = name().toLowerCase(Locale.ROOT);
  }

  /** True for answers the sidecar made itself that count against availability. */
  public boolean isSidecarError() {
    return sidecarError;
  }

  /** The metric label value, e.g. {@code upstream_error}. */
  public String label() {
    return label;
  }
}
