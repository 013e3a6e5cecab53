package ai.aim.proxy.admission;

/** Validation helpers whose messages name the key, the value and what was expected. */
final class Checks {
  private Checks() {}

  static int atLeast(String key, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(key + ": " + value + " (expected: >= " + min + ")");
    }
    return value;
  }

  static long atLeast(String key, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(key + ": " + value + " (expected: >= " + min + ")");
    }
    return value;
  }

  static double between(String key, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new IllegalArgumentException(
          key + ": " + value + " (expected: between " + min + " and " + max + ")");
    }
    return value;
  }

  static double above(String key, double value, double min) {
    if (!(value > min) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(key + ": " + value + " (expected: > " + min + ")");
    }
    return value;
  }
}
