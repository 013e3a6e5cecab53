package ai.aim.scheduler.forecast;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the per-model arrival-rate forecaster. Immutable value, validated on construction.
 *
 * <p>Memory per model is {@code 3 * historySteps * 4} bytes (raw, cleaned and residual series as
 * {@code float}): the default (5-minute steps, 4 weeks = 8064 steps) is 96 KiB per model.
 *
 * @param step resolution of the history: samples inside one step are averaged
 * @param historySteps ring capacity in steps (at least two days' worth)
 * @param horizon lookahead: the forecast is for the step containing {@code now + horizon}
 * @param recomputeInterval a cached forecast is reused for this long
 * @param spikeZ robust z-score (median/MAD of log residuals) above which a step is a spike
 * @param seasonalityThreshold autocorrelation at lag one day / one week above which that cycle
 *     counts as detected
 * @param businessHours the users' business hours, or {@code null} when days are all alike
 */
public record ForecastConfig(
    Duration step,
    int historySteps,
    Duration horizon,
    Duration recomputeInterval,
    double spikeZ,
    double seasonalityThreshold,
    BusinessHours businessHours) {

  public static final Duration DAY = Duration.ofDays(1);
  public static final Duration WEEK = Duration.ofDays(7);

  /** 5-minute steps, four weeks of history, 15-minute horizon, recomputed at most every 30 s. */
  public static ForecastConfig defaults() {
    return new ForecastConfig(
        Duration.ofMinutes(5), 4 * 7 * 288, Duration.ofMinutes(15), Duration.ofSeconds(30), 3.5,
        0.3, null);
  }

  public ForecastConfig {
    Objects.requireNonNull(step, "step");
    Objects.requireNonNull(horizon, "horizon");
    Objects.requireNonNull(recomputeInterval, "recomputeInterval");
    if (step.toSeconds() < 1 || DAY.toSeconds() % step.toSeconds() != 0) {
      throw new IllegalArgumentException(
          "step: " + step + " (expected: at least 1s and a divisor of one day)");
    }
    long perDay = DAY.toSeconds() / step.toSeconds();
    if (historySteps < 2 * perDay) {
      throw new IllegalArgumentException(
          "historySteps: " + historySteps + " (expected: >= " + 2 * perDay + ", two days)");
    }
    if (horizon.isNegative() || horizon.compareTo(WEEK) > 0) {
      throw new IllegalArgumentException("horizon: " + horizon + " (expected: 0..7d)");
    }
    if (recomputeInterval.isNegative()) {
      throw new IllegalArgumentException(
          "recomputeInterval: " + recomputeInterval + " (expected: >= 0)");
    }
    if (!(spikeZ > 0)) {
      throw new IllegalArgumentException("spikeZ: " + spikeZ + " (expected: > 0)");
    }
    if (!(seasonalityThreshold > 0 && seasonalityThreshold < 1)) {
      throw new IllegalArgumentException(
          "seasonalityThreshold: " + seasonalityThreshold + " (expected: in (0, 1))");
    }
  }

  /** Steps per day. */
  public int stepsPerDay() {
    return (int) (DAY.toSeconds() / step.toSeconds());
  }

  /** Steps per week. */
  public int stepsPerWeek() {
    return 7 * stepsPerDay();
  }

  public ForecastConfig withStep(Duration newStep, int newHistorySteps) {
    return new ForecastConfig(
        newStep, newHistorySteps, horizon, recomputeInterval, spikeZ, seasonalityThreshold,
        businessHours);
  }

  public ForecastConfig withHorizon(Duration newHorizon) {
    return new ForecastConfig(
        step, historySteps, newHorizon, recomputeInterval, spikeZ, seasonalityThreshold,
        businessHours);
  }

  public ForecastConfig withSpikeZ(double newSpikeZ) {
    return new ForecastConfig(
        step, historySteps, horizon, recomputeInterval, newSpikeZ, seasonalityThreshold,
        businessHours);
  }

  public ForecastConfig withBusinessHours(BusinessHours hours) {
    return new ForecastConfig(
        step, historySteps, horizon, recomputeInterval, spikeZ, seasonalityThreshold, hours);
  }

  public ForecastConfig withRecomputeInterval(Duration interval) {
    return new ForecastConfig(
        step, historySteps, horizon, interval, spikeZ, seasonalityThreshold, businessHours);
  }
}
