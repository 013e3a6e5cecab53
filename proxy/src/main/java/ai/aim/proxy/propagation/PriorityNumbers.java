package ai.aim.proxy.propagation;

import ai.aim.proxy.admission.Priority;

/**
 * The number an engine is told for each admission class. Immutable; safe on any thread.
 *
 * @param high the value for HIGH
 * @param medium the value for MEDIUM
 * @param low the value for LOW
 */
public record PriorityNumbers(long high, long medium, long low) {

  /**
   * vLLM's convention: lower is served first, 0 is its default. HIGH keeps the default, so a HIGH
   * request ranks like one that reached the engine without the sidecar.
   */
  public static final PriorityNumbers VLLM = new PriorityNumbers(0, 1, 2);

  /**
   * Triton's convention (KServe v2 {@code priority} parameter): 1 is the highest level, larger is
   * lower, 0 means the model's default level. Needs {@code priority_levels >= 3}.
   */
  public static final PriorityNumbers TRITON = new PriorityNumbers(1, 2, 3);

  /** The value for one class. */
  public long of(Priority p) {
    switch (p) {
      case HIGH:
        return high;
      case MEDIUM:
        return medium;
      default:
        return low;
    }
  }
}
