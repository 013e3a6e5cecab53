package ai.aim.proxy.slo;

/**
 * The phases of a request whose latency distributions are tracked. Immutable.
 */
public enum LatencyKind {
  /** Arrival to the last byte (or the refusal): the time the latency objective is about. */
  TOTAL("total"),
  /** Time in the admission queue. */
  QUEUE("queue"),
  /** Dispatch to the end of the model server's answer. */
  UPSTREAM("upstream"),
  /** Arrival to the first response byte. */
  TTFB("ttfb");

  private final String label;

  LatencyKind(String label) {
    this.label = label;
  }

  /** The JSON key. */
  public String label() {
    return label;
  }
}
