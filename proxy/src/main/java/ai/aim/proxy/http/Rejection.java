package ai.aim.proxy.http;

import ai.aim.proxy.metrics.Outcome;
import java.util.Objects;

/**
 * Why admission refused a request: a value, mapped to an HTTP status only at the edge
 * ({@link Outcome#SHED} = 429 with {@code Retry-After}, {@link Outcome#DEADLINE} = 504,
 * {@link Outcome#UNAVAILABLE} = 503). Immutable.
 *
 * @param outcome SHED, DEADLINE or UNAVAILABLE
 * @param reason a short human sentence for the JSON body, e.g. {@code "low queue full (64)"}
 * @param retryAfterMillis the client's back-off hint, {@code 0} for none
 * @param code the machine-readable reason for the JSON body's {@code reason} field, e.g. {@code
 *     queue_full} (the admission core's reject reason label)
 * @param priority the request's class label ({@code high|medium|low}), or {@code null}
 * @param model the folded model name, or {@code null}
 */
public record Rejection(
    Outcome outcome,
    String reason,
    long retryAfterMillis,
    String code,
    String priority,
    String model) {

  /** A rejection without class and model: {@code code} is the outcome's name in lower case. */
  public Rejection(Outcome outcome, String reason, long retryAfterMillis) {
    this(outcome, reason, retryAfterMillis,
        outcome.name().toLowerCase(java.util.Locale.ROOT), null, null);
  }

  public Rejection {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(code, "code");
    if (outcome != Outcome.SHED && outcome != Outcome.DEADLINE && outcome != Outcome.UNAVAILABLE) {
      throw new IllegalArgumentException(
          "outcome: " + outcome + " (expected: SHED, DEADLINE or UNAVAILABLE)");
    }
    if (retryAfterMillis < 0) {
      throw new IllegalArgumentException("retryAfterMillis: " + retryAfterMillis + " (expected: >= 0)");
    }
  }
}
