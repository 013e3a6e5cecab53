package ai.aim.bench.load;

/**
 * A probe to run beside a {@link LoadRun}: its rate and class, the span of its intended send
 * times and the one request it sends, built the way the main load builds a request of that class.
 *
 * @param spec rate and class
 * @param durationNanos span of the intended send times (the main load's duration)
 * @param request the request sent every time (offset and tenant unused: the probe sends no tenant)
 */
public record ProbePlan(ProbeSpec spec, long durationNanos, PlannedRequest request) {

  /** Validates. */
  public ProbePlan {
    java.util.Objects.requireNonNull(spec, "spec");
    java.util.Objects.requireNonNull(request, "request");
    if (durationNanos < 0) {
      throw new IllegalArgumentException("probe duration: " + durationNanos + " ns (expected: >= 0)");
    }
    if (request.priority() != spec.priority() || request.tenant() != null) {
      throw new IllegalArgumentException("probe request: " + request.priority() + ", tenant " + request.tenant()
          + " (expected: class " + spec.priority() + ", no tenant)");
    }
  }

  /** The probe of {@code spec} over {@code durationNanos} with the given request sizes. */
  public static ProbePlan of(ProbeSpec spec, long durationNanos, int promptTokens, int maxTokens) {
    return new ProbePlan(spec, durationNanos, new PlannedRequest(0, spec.priority(), null, promptTokens, maxTokens));
  }
}
