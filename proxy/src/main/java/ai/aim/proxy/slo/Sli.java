package ai.aim.proxy.slo;

/** The two service-level indicators of an {@link SloObjective}. Immutable. */
public enum Sli {
  /** Good: within the latency threshold and not a sidecar error. */
  LATENCY("latency"),
  /** Good: not a sidecar error. */
  AVAILABILITY("availability");

  private final String label;

  Sli(String label) {
    this.label = label;
  }

  /** The JSON key and metric label value. */
  public String label() {
    return label;
  }
}
