package ai.aim.scheduler.keda;

/**
 * What the scaler concluded for one model at one instant. Immutable value.
 *
 * @param reactive queued + in-flight requests
 * @param littles arrival rate x mean service time (Little's law concurrency)
 * @param forecast forecast arrival rate x mean service time ({@code NaN} when not predictive or
 *     no forecast yet)
 * @param demand the largest of the three: the concurrency the model should be able to carry
 * @param desiredReplicas {@code ceil(demand / targetPerReplica)} before the GPU cap
 * @param capReplicas ready replicas + free matching partitions ({@link Integer#MAX_VALUE} when
 *     unknown)
 * @param metricValue what GetMetrics reports: {@code demand}, or {@code capReplicas x target}
 *     when capped, so that KEDA's {@code ceil(metric / target)} lands on the cap
 */
record ScalingDecision(
    double reactive,
    double littles,
    double forecast,
    double demand,
    int desiredReplicas,
    int capReplicas,
    double metricValue) {

  boolean capped() {
    return desiredReplicas > capReplicas;
  }

  /** Replicas withheld for lack of matching partitions (0 when not capped). */
  int cappedReplicas() {
    return capped() ? desiredReplicas - capReplicas : 0;
  }

  /**
   * Pure computation of the metric.
   *
   * @param load the aggregated load (idle when no sidecar reports)
   * @param forecastRate forecast arrivals per second, or {@code NaN}
   * @param serviceSeconds mean service time to convert rates into concurrency
   * @param target target concurrency per replica
   * @param freePartitions free matching partitions, or {@link CapacitySource#UNLIMITED}
   */
  static ScalingDecision compute(
      ModelLoad load, double forecastRate, double serviceSeconds, double target, int freePartitions) {
    double reactive = load.queued() + load.inFlight();
    double littles = load.arrivalRatePerSecond() * serviceSeconds;
    double forecast = Double.isNaN(forecastRate) ? Double.NaN : forecastRate * serviceSeconds;
    double demand = Math.max(reactive, littles);
    if (!Double.isNaN(forecast)) {
      demand = Math.max(demand, forecast);
    }
    int desired = (int) Math.min(Integer.MAX_VALUE, Math.ceil(demand / target - 1e-9));
    int cap =
        freePartitions == CapacitySource.UNLIMITED
            ? Integer.MAX_VALUE
            : (int) Math.min(Integer.MAX_VALUE, (long) load.readyReplicas() + Math.max(0, freePartitions));
    double metric = desired > cap ? cap * target : demand;
    return new ScalingDecision(reactive, littles, forecast, demand, desired, cap, metric);
  }
}
