package ai.aim.proxy.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.aim.proxy.metrics.Outcome;
import org.junit.jupiter.api.Test;

/** The adaptive limit against values worked out by hand (smoothing 0.2, tolerance 1.5). */
class GradientLimitTest {
  private static final long MS = 1_000_000L;
  private static final LimitPolicy POLICY =
      new LimitPolicy(LimitPolicy.Mode.ADAPTIVE, 10, 1, 100, 0.2, 600, 1.5);

  @Test
  void followsTheGradientFormulaSampleBySample() {
    GradientLimit g = new GradientLimit(POLICY, 10);
    // 1st sample seeds the long term at 100 ms; gradient min(1, 1.5 * 1) = 1
    // next = 10 * 1 + sqrt(10) = 13.16228; estimate = 0.8 * 10 + 0.2 * 13.16228 = 10.63246
    g.onSample(100 * MS, 10);
    assertThat(g.longRttNanos()).isEqualTo(100e6);
    assertThat(g.estimate()).isCloseTo(10.632455532, within(1e-6));
    assertThat(g.limit()).isEqualTo(10);
    // 400 ms: long = 100 + 300 / 600 = 100.5 ms; gradient max(0.5, 1.5 * 100.5 / 400) = 0.5
    // next = 10.63246 * 0.5 + sqrt(10.63246) = 8.57697; estimate = 10.22136
    g.onSample(400 * MS, 10);
    assertThat(g.longRttNanos()).isCloseTo(100.5e6, within(1.0));
    assertThat(g.estimate()).isCloseTo(10.221358905, within(1e-6));
  }

  @Test
  void doesNotMoveWhileFewerThanHalfThePermitsAreInUse() {
    GradientLimit g = new GradientLimit(POLICY, 10);
    g.onSample(100 * MS, 10);
    g.onSample(400 * MS, 10);
    double before = g.estimate();
    g.onSample(400 * MS, 2);
    assertThat(g.estimate()).isEqualTo(before);
    assertThat(g.longRttNanos()).isCloseTo(100.999166667e6, within(1.0));
  }

  @Test
  void decaysADriftedLongTermWhenTheShortTermIsMuchFaster() {
    GradientLimit g = new GradientLimit(POLICY, 10);
    g.onSample(100 * MS, 10);
    g.onSample(400 * MS, 10);
    g.onSample(400 * MS, 2);
    // 50 ms: long = 100.91417 ms, ratio 2.02 > 2, so long *= 0.95 = 95.86846 ms; gradient 1
    // next = 10.22136 + sqrt(10.22136) = 13.41845; estimate = 10.86078
    g.onSample(50 * MS, 10);
    assertThat(g.longRttNanos()).isCloseTo(95.868459653e6, within(1.0));
    assertThat(g.estimate()).isCloseTo(10.860776105, within(1e-6));
  }

  @Test
  void shrinksUnderSustainedSlowdownAndStaysWithinItsBounds() {
    GradientLimit g =
        new GradientLimit(new LimitPolicy(LimitPolicy.Mode.ADAPTIVE, 20, 5, 30, 0.2, 600, 1.5), 20);
    g.onSample(100 * MS, 20);
    for (int i = 0; i < 50; i++) {
      g.onSample(400 * MS, 20);
    }
    assertThat(g.limit()).isLessThan(20).isGreaterThanOrEqualTo(5);
    for (int i = 0; i < 500; i++) {
      g.onSample(10 * MS, 30);
    }
    assertThat(g.limit()).isEqualTo(30);
  }

  @Test
  void theCoreFeedsCompletionsIntoTheAdaptiveLimit() {
    long now = 0;
    ModelPolicy p =
        Policies.policy(10, 0, SchedulingMode.STRICT, 100, 0).withLimit(POLICY);
    AdmissionCore core = new AdmissionCore(Policies.config(p), now);
    Recorder rec = new Recorder();
    for (int i = 0; i < 10; i++) {
      core.arrive(i, "m", Priority.HIGH, AdmissionController.NO_DEADLINE, null, 1, rec, now, now);
    }
    assertThat(core.modelState("m").limit()).isEqualTo(10);
    core.complete(0, Outcome.OK, 100 * MS, now);
    assertThat(core.modelState("m").adaptiveLimit().estimate())
        .isCloseTo(10.632455532, within(1e-6));
    // an upstream error is no latency sample
    core.complete(1, Outcome.UPSTREAM_ERROR, 900 * MS, now);
    assertThat(core.modelState("m").adaptiveLimit().estimate())
        .isCloseTo(10.632455532, within(1e-6));
  }
}
