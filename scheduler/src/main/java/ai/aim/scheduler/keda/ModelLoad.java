package ai.aim.scheduler.keda;

/**
 * A model's aggregated load, summed over its sidecars' latest reports. Immutable snapshot.
 *
 * @param queuedHigh requests waiting in the HIGH queues
 * @param queuedMedium requests waiting in the MEDIUM queues
 * @param queuedLow requests waiting in the LOW queues
 * @param inFlight requests being served by the model servers
 * @param readyReplicas pods whose sidecar is reporting (ready replicas)
 * @param arrivalRatePerSecond admitted plus shed arrivals per second, summed over replicas
 * @param meanServiceSeconds mean upstream service time per request (0 when unknown)
 */
public record ModelLoad(
    long queuedHigh,
    long queuedMedium,
    long queuedLow,
    long inFlight,
    int readyReplicas,
    double arrivalRatePerSecond,
    double meanServiceSeconds) {

  public ModelLoad {
    requireNonNegative("queuedHigh", queuedHigh);
    requireNonNegative("queuedMedium", queuedMedium);
    requireNonNegative("queuedLow", queuedLow);
    requireNonNegative("inFlight", inFlight);
    requireNonNegative("readyReplicas", readyReplicas);
    requireRate("arrivalRatePerSecond", arrivalRatePerSecond);
    requireRate("meanServiceSeconds", meanServiceSeconds);
  }

  /** No work at all on {@code readyReplicas} replicas. */
  public static ModelLoad idle(int readyReplicas) {
    return new ModelLoad(0, 0, 0, 0, readyReplicas, 0, 0);
  }

  /** Requests waiting in any priority queue. */
  public long queued() {
    return queuedHigh + queuedMedium + queuedLow;
  }

  private static void requireNonNegative(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
    }
  }

  private static void requireRate(String name, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: finite, >= 0)");
    }
  }
}
