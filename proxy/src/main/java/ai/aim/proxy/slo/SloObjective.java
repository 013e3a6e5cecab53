package ai.aim.proxy.slo;

/**
 * The objectives of one model and priority. Immutable; safe on any thread.
 *
 * <p>Two service-level indicators are derived from every finished request:
 *
 * <ul>
 *   <li><b>latency</b>: a request is good when its total time is at most {@link #thresholdMs()}
 *       and the sidecar did not answer it with an error of its own; the objective is that
 *       {@link #percentile()} percent of requests are good;
 *   <li><b>availability</b>: a request is good when the sidecar did not answer it with an error of
 *       its own (shed, deadline, upstream unreachable); the objective is {@link #availability()}.
 * </ul>
 *
 * @param percentile latency objective as a percentage, in (0, 100), e.g. {@code 99}
 * @param thresholdMs latency threshold in milliseconds, {@code > 0}
 * @param availability availability objective as a ratio, in (0, 1), e.g. {@code 0.999}
 * @param minThroughputRps minimum throughput in requests per second, {@code 0} when none
 */
public record SloObjective(
    double percentile, long thresholdMs, double availability, double minThroughputRps) {

  /** The latency objective as a ratio in (0, 1). */
  public double latencyTarget() {
    return percentile / 100.0;
  }

  /** The latency threshold in microseconds, the unit of the tracker's histograms. */
  public long thresholdMicros() {
    return thresholdMs * 1000L;
  }

  /** True when a minimum throughput is part of the objective. */
  public boolean hasMinThroughput() {
    return minThroughputRps > 0;
  }
}
