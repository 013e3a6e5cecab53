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
 */
public record Rejection(Outcome outcome, String reason, long retryAfterMillis) {

  public Rejection {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(reason, "reason");
    if (outcome != Outcome.SHED && outcome != Outcome.DEADLINE && outcome != Outcome.UNAVAILABLE) {
      throw new IllegalArgumentException(
          "outcome: " + outcome + " (expected: SHED, DEADLINE or UNAVAILABLE)");
    }
    if (retryAfterMillis < 0) {
      throw new IllegalArgumentException("retryAfterMillis: " + retryAfterMillis + " (expected: >= 0)");
    }
  }
}
