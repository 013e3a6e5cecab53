package ai.aim.scheduler.keda;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the duration forms operators write: {@code 300}, {@code 300s}, {@code 5m}, {@code 1h}, {@code PT5M}. */
final class Durations {

  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)?");

  private Durations() {}

  /**
   * @throws IllegalArgumentException naming {@code key} and the accepted forms
   */
  static Duration parse(String key, String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    Matcher m = SIMPLE.matcher(t);
    try {
      if (m.matches()) {
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        switch (unit) {
          case "ms":
            return Duration.ofMillis(n);
          case "m":
            return Duration.ofMinutes(n);
          case "h":
            return Duration.ofHours(n);
          default:
            return Duration.ofSeconds(n);
        }
      }
      return Duration.parse(text.trim().toUpperCase(Locale.ROOT));
    } catch (ArithmeticException | NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException(
          key + ": '" + text + "' (expected: a duration such as 300, 300s, 5m, 1h or PT5M)");
    }
  }
}
