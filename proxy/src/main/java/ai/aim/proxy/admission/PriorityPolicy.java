package ai.aim.proxy.admission;

/**
 * Bounds of one priority class of one model.
 *
 * @param maxQueue most requests of this class waiting at once; an arrival beyond it is refused
 *     with {@link RejectReason#QUEUE_FULL} ({@code 0}: never queue, dispatch or refuse)
 * @param maxQueueWaitMillis longest time a request may wait queued before it is refused with
 *     {@link RejectReason#QUEUE_TIMEOUT} ({@code 0}: no bound)
 * @param maxInflightShare ceiling on this class's in-flight requests as a share of the limit
 *     (1.0: none beyond the limit and the HIGH reserve)
 * @param weight dispatch share when every class is backlogged in {@link SchedulingMode#WEIGHTED}
 */
public record PriorityPolicy(
    int maxQueue, long maxQueueWaitMillis, double maxInflightShare, int weight) {

  public PriorityPolicy {
    Checks.atLeast("maxQueue", maxQueue, 0);
    Checks.atLeast("maxQueueWaitMs", maxQueueWaitMillis, 0);
    Checks.between("maxInflightShare", maxInflightShare, 0.0, 1.0);
    Checks.atLeast("weight", weight, 1);
  }

  /** The defaults of a class: queue 1024, wait 30 s / 10 s / 5 s, no ceiling, weights 70/20/10. */
  public static PriorityPolicy defaults(Priority p) {
    return switch (p) {
      case HIGH -> new PriorityPolicy(1024, 30_000, 1.0, 70);
      case MEDIUM -> new PriorityPolicy(1024, 10_000, 1.0, 20);
      case LOW -> new PriorityPolicy(1024, 5_000, 1.0, 10);
    };
  }
}
