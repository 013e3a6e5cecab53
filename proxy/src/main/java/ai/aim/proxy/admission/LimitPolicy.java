package ai.aim.proxy.admission;

import java.util.Objects;

/**
 * The concurrency limit towards the model server.
 *
 * <p>{@code STATIC}: the limit is {@code maxInflight}. {@code ADAPTIVE}: a latency gradient
 * (long-term versus short-term upstream time) moves the limit between {@code minLimit} and
 * {@code maxLimit}, starting at {@code maxInflight}; see {@code docs/admission.md}.
 *
 * @param mode static or adaptive
 * @param maxInflight the static limit, or the adaptive limit's starting point
 * @param minLimit adaptive lower bound
 * @param maxLimit adaptive upper bound
 * @param smoothing weight of each new estimate, 0 &lt; s &lt;= 1
 * @param longWindow samples in the long-term upstream-time average
 * @param rttTolerance how much slower than the long-term average the short term may be before
 *     the limit shrinks (&gt;= 1)
 */
public record LimitPolicy(
    Mode mode,
    int maxInflight,
    int minLimit,
    int maxLimit,
    double smoothing,
    int longWindow,
    double rttTolerance) {

  /** Static or adaptive. */
  public enum Mode {
    STATIC,
    ADAPTIVE
  }

  public LimitPolicy {
    Objects.requireNonNull(mode, "mode");
    Checks.atLeast("maxInflight", maxInflight, 1);
    Checks.atLeast("minLimit", minLimit, 1);
    Checks.atLeast("maxLimit", maxLimit, minLimit);
    if (mode == Mode.ADAPTIVE && (maxInflight < minLimit || maxInflight > maxLimit)) {
      throw new IllegalArgumentException(
          "maxInflight: " + maxInflight + " (expected: between minLimit " + minLimit
              + " and maxLimit " + maxLimit + " in adaptive mode)");
    }
    Checks.between("smoothing", smoothing, Double.MIN_VALUE, 1.0);
    Checks.atLeast("longWindow", longWindow, 1);
    Checks.between("rttTolerance", rttTolerance, 1.0, 100.0);
  }

  /** A static limit of {@code maxInflight}. */
  public static LimitPolicy fixed(int maxInflight) {
    return new LimitPolicy(Mode.STATIC, maxInflight, 1, Math.max(1, maxInflight), 0.2, 600, 1.5);
  }
}
