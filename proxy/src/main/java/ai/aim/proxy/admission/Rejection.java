package ai.aim.proxy.admission;

import java.util.Objects;

/**
 * A refusal, as a value. The edge maps it to a status ({@link #httpStatus()}, {@link
 * RejectReason#grpcStatus()}) and a {@code Retry-After} header ({@link #retryAfterSeconds()}).
 *
 * <p>Instances are interned by the admission thread (one per model, class, reason and whole
 * second of retry delay), so a refusal costs no allocation in steady state. Immutable; safe on
 * any thread.
 *
 * @param reason why the request was refused
 * @param priority the class it was refused in
 * @param model the model (folded name)
 * @param retryAfterMillis when a retry has a fair chance, computed from the drain rate of the
 *     class's queue and its depth, a whole number of seconds in [1 s, 60 s]
 */
public record Rejection(RejectReason reason, Priority priority, String model, long retryAfterMillis) {

  public Rejection {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(priority, "priority");
    Objects.requireNonNull(model, "model");
    if (retryAfterMillis < 0) {
      throw new IllegalArgumentException(
          "retryAfterMillis: " + retryAfterMillis + " (expected: >= 0)");
    }
  }

  /** The HTTP status hint: 429, 504 or 503 (see {@link RejectReason}). */
  public int httpStatus() {
    return reason.httpStatus();
  }

  /** The {@code Retry-After} value in whole seconds, rounded up. */
  public long retryAfterSeconds() {
    return (retryAfterMillis + 999) / 1000;
  }
}
