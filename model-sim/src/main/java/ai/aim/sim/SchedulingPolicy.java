package ai.aim.sim;

import java.util.Locale;

/** The order in which the simulated engine starts waiting requests, and whether it preempts. */
public enum SchedulingPolicy {
  /** First come, first served; a running request keeps its slot until it ends. */
  FCFS,
  /**
   * By the request's priority value (lower first, no value = 0), then arrival. A request that finds
   * no room preempts running requests of a strictly lower priority (a larger value), latest arrival
   * first; a preempted request waits again and, when resumed, pays its prefill again for its
   * prompt and the tokens it already generated (recomputation), then goes on where it stopped.
   */
  PRIORITY;

  /** Parses a case-insensitive name, with a message that lists the accepted values. */
  public static SchedulingPolicy parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "schedulingPolicy: " + text + " (expected: fcfs|priority)");
    }
  }
}
