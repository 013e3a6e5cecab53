package ai.aim.sim;

import java.util.Locale;

/** How the simulator draws a request's base service time around the configured mean. */
public enum ServiceDistribution {
  /** Always exactly the mean. */
  CONSTANT,
  /** Exponential with the given mean (memoryless, like an M/M/k queue). */
  EXPONENTIAL,
  /** Log-normal with the given mean and a shape (sigma) of 0.5: a right-skewed tail. */
  LOGNORMAL,
  /** Uniform between 0 and twice the mean. */
  UNIFORM;

  /** Parses a case-insensitive name, with a message that lists the accepted values. */
  public static ServiceDistribution parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "serviceDist: " + text + " (expected: constant|exponential|lognormal|uniform)");
    }
  }
}
