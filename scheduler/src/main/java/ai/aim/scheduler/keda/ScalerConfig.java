package ai.aim.scheduler.keda;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the KEDA external scaler. Immutable, validated value.
 *
 * @param checkInterval how often every known model is re-evaluated (pushes to StreamIsActive,
 *     samples the forecaster); the stream is also driven by {@code loadChanged} calls
 * @param defaultIdleBeforeScaleToZero idle period when the trigger does not set one
 * @param activationHold how long an explicit activation request keeps a model active
 */
public record ScalerConfig(
    Duration checkInterval, Duration defaultIdleBeforeScaleToZero, Duration activationHold) {

  /** Checks every second, five minutes idle before scale to zero, activation held two minutes. */
  public static ScalerConfig defaults() {
    return new ScalerConfig(Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(2));
  }

  public ScalerConfig {
    Objects.requireNonNull(checkInterval, "checkInterval");
    Objects.requireNonNull(defaultIdleBeforeScaleToZero, "defaultIdleBeforeScaleToZero");
    Objects.requireNonNull(activationHold, "activationHold");
    if (checkInterval.toMillis() < 10) {
      throw new IllegalArgumentException("checkInterval: " + checkInterval + " (expected: >= 10ms)");
    }
    if (defaultIdleBeforeScaleToZero.isNegative()) {
      throw new IllegalArgumentException(
          "defaultIdleBeforeScaleToZero: " + defaultIdleBeforeScaleToZero + " (expected: >= 0)");
    }
    if (activationHold.isNegative()) {
      throw new IllegalArgumentException("activationHold: " + activationHold + " (expected: >= 0)");
    }
  }
}
