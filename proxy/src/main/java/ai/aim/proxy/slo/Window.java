package ai.aim.proxy.slo;

/**
 * The sliding windows the tracker reports. Each window is made of whole slots (10 s slots for the
 * 1 and 5 minute windows, 1 minute slots for the hour), so it ends at the last closed slot.
 *
 * <p>Immutable; safe on any thread.
 */
public enum Window {
  ONE_MINUTE("1m", 60, 10),
  FIVE_MINUTES("5m", 300, 10),
  ONE_HOUR("1h", 3600, 60);

  private static final Window[] VALUES = values();

  private final String label;
  private final int seconds;
  private final int slotSeconds;

  Window(String label, int seconds, int slotSeconds) {
    this.label = label;
    this.seconds = seconds;
    this.slotSeconds = slotSeconds;
  }

  /** The label in JSON and in metric labels: {@code 1m}, {@code 5m}, {@code 1h}. */
  public String label() {
    return label;
  }

  /** The nominal length in seconds. */
  public int seconds() {
    return seconds;
  }

  /** The length of the slots the window is made of, in seconds. */
  public int slotSeconds() {
    return slotSeconds;
  }

  /** How many slots make up the full window. */
  public int slots() {
    return seconds / slotSeconds;
  }

  /** By ordinal, without the copy of {@link #values()}. */
  public static Window ofOrdinal(int ordinal) {
    return VALUES[ordinal];
  }
}
