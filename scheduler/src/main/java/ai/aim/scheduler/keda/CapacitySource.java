package ai.aim.scheduler.keda;

/**
 * How many more replicas of a model the GPUs can take: free partitions whose compute and memory
 * modes and free memory match the model. Implemented by the placement state; must be safe to call
 * from any thread.
 */
@FunctionalInterface
public interface CapacitySource {

  /** Returned when the capacity is not known: the scaler does not cap. */
  int UNLIMITED = Integer.MAX_VALUE;

  /** A source that never caps (no placement information, e.g. {@code --kubernetes none}). */
  CapacitySource UNKNOWN = (namespace, model) -> UNLIMITED;

  /** Free partitions matching the model, {@code >= 0}, or {@link #UNLIMITED}. */
  int freeMatchingPartitions(String namespace, String model);
}
