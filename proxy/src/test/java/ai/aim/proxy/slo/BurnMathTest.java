package ai.aim.proxy.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BurnMathTest {

  @Test
  void burnRateIsTheErrorRatioOverTheErrorBudget() {
    // 2 bad in 1000 against 99.9 %: error ratio 0.002, budget 0.001, burn 2.
    assertThat(BurnMath.burnRate(998, 1000, 0.999)).isCloseTo(2.0, within(1e-9));
    assertThat(BurnMath.budgetRemaining(998, 1000, 0.999)).isCloseTo(-1.0, within(1e-9));
    assertThat(BurnMath.compliance(998, 1000)).isEqualTo(0.998);
  }

  @Test
  void theWorkbooksFastPageThresholdSpendsTwoPercentOfAThirtyDayBudgetInAnHour() {
    // 14.4 x (1 h / 720 h) = 0.02
    double burn = BurnMath.burnRate(8560, 10000, 0.99);
    assertThat(burn).isCloseTo(14.4, within(1e-9));
    assertThat(burn * 1 / (30 * 24)).isCloseTo(0.02, within(1e-12));
  }

  @Test
  void anEmptyWindowBurnsNothingAndIsCompliant() {
    assertThat(BurnMath.burnRate(0, 0, 0.99)).isZero();
    assertThat(BurnMath.compliance(0, 0)).isEqualTo(1.0);
    assertThat(BurnMath.budgetRemaining(0, 0, 0.99)).isEqualTo(1.0);
  }
}
