package ai.aim.proxy.slo;

/**
 * The error-budget arithmetic of the SRE workbook, as pure functions.
 *
 * <p>For an objective {@code o} (a ratio, e.g. 0.999) the error budget is {@code 1 - o}. Over a
 * window with {@code bad} of {@code total} requests failing the indicator, the burn rate is
 * {@code (bad / total) / (1 - o)}: 1 spends the budget exactly over the SLO period, 14.4 spends 2 %
 * of a 30-day budget in one hour. An empty window burns nothing.
 */
public final class BurnMath {
  private BurnMath() {}

  /** {@code good / total}, or 1 for an empty window. */
  public static double compliance(long good, long total) {
    return total == 0 ? 1.0 : (double) good / total;
  }

  /** {@code (bad / total) / (1 - objective)}, or 0 for an empty window. */
  public static double burnRate(long good, long total, double objective) {
    if (total == 0) {
      return 0.0;
    }
    return ((double) (total - good) / total) / (1.0 - objective);
  }

  /**
   * The share of the window's error budget still unspent: {@code 1 - burnRate}. Negative when the
   * window spent more than its budget.
   */
  public static double budgetRemaining(long good, long total, double objective) {
    return 1.0 - burnRate(good, total, objective);
  }
}
