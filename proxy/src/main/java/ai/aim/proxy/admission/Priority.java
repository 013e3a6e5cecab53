package ai.aim.proxy.admission;

import java.util.Locale;

/**
 * The three admission classes. Declaration order is precedence: {@code HIGH} is served first.
 *
 * <p>Immutable; safe on any thread.
 */
public enum Priority {
  HIGH,
  MEDIUM,
  LOW;

  private static final Priority[] VALUES = values();

  /** The value as it appears on the wire and in metric labels: {@code high}, {@code medium}, {@code low}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** By {@link #ordinal()}, without the array copy of {@link #values()}. */
  public static Priority ofOrdinal(int ordinal) {
    return VALUES[ordinal];
  }

  /**
   * Parses a header or metadata value ({@code high|medium|low}, any case, surrounding blanks
   * ignored).
   *
   * @return the priority, or {@code null} when the value is not one of the three
   */
  public static Priority parseOrNull(CharSequence value) {
    if (value == null) {
      return null;
    }
    String v = value.toString().trim();
    if (v.equalsIgnoreCase("high")) {
      return HIGH;
    }
    if (v.equalsIgnoreCase("medium")) {
      return MEDIUM;
    }
    if (v.equalsIgnoreCase("low")) {
      return LOW;
    }
    return null;
  }
}
