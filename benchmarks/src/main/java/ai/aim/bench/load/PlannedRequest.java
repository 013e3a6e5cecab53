package ai.aim.bench.load;

import ai.aim.proxy.admission.Priority;

/**
 * One request of a load plan: when it is meant to leave (nanos after the run's start), its class,
 * its tenant key ({@code null}: none) and its token sizes.
 *
 * @param offsetNanos intended send time, relative to the start of the run
 * @param priority the {@code x-aim-priority} sent
 * @param tenant the {@code x-aim-tenant} sent, or {@code null}
 * @param promptTokens prompt size; the prompt is 4 characters per token (model-sim's rule)
 * @param maxTokens {@code max_tokens}: tokens model-sim generates
 */
public record PlannedRequest(long offsetNanos, Priority priority, String tenant, int promptTokens, int maxTokens) {

  /** Validates. */
  public PlannedRequest {
    if (offsetNanos < 0) {
      throw new IllegalArgumentException("offsetNanos: " + offsetNanos + " (expected: >= 0)");
    }
    if (promptTokens < 1 || maxTokens < 1) {
      throw new IllegalArgumentException(
          "tokens: prompt " + promptTokens + ", max " + maxTokens + " (expected: both >= 1)");
    }
  }

  /** Tokens the request costs the model server (prompt plus generated). */
  public long tokens() {
    return (long) promptTokens + maxTokens;
  }
}
