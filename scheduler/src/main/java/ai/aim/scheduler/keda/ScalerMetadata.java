package ai.aim.scheduler.keda;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The scaler settings a ScaledObject's external trigger carries in {@code scalerMetadata}.
 * Immutable, validated value; unknown keys (KEDA's own, such as {@code scalerAddress}) are ignored.
 *
 * @param model the model name the sidecars report (default: the ScaledObject's name)
 * @param targetPerReplica concurrent requests one replica should carry (> 0)
 * @param activationThreshold demand (concurrent requests) above which the model is active (>= 0)
 * @param predictive whether the forecast may raise the metric
 * @param idleBeforeScaleToZero how long demand must stay at or below the threshold before the
 *     scaler reports inactive
 */
record ScalerMetadata(
    String model,
    double targetPerReplica,
    double activationThreshold,
    boolean predictive,
    Duration idleBeforeScaleToZero) {

  static final String MODEL = "model";
  static final String TARGET = "targetPerReplica";
  static final String ACTIVATION = "activationThreshold";
  static final String PREDICTIVE = "predictive";
  static final String IDLE = "idleBeforeScaleToZero";

  static final double DEFAULT_TARGET = 4;

  /**
   * @throws IllegalArgumentException with a message naming the key, the value and what was
   *     expected
   */
  static ScalerMetadata parse(String objectName, Map<String, String> meta, Duration defaultIdle) {
    String model = meta.getOrDefault(MODEL, objectName);
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException(
          "scalerMetadata.model: empty (expected: the model name its sidecars report)");
    }
    double target = number(meta, TARGET, DEFAULT_TARGET);
    if (!(target > 0)) {
      throw new IllegalArgumentException(
          "scalerMetadata." + TARGET + ": " + meta.get(TARGET) + " (expected: > 0)");
    }
    double activation = number(meta, ACTIVATION, 0);
    if (!(activation >= 0)) {
      throw new IllegalArgumentException(
          "scalerMetadata." + ACTIVATION + ": " + meta.get(ACTIVATION) + " (expected: >= 0)");
    }
    boolean predictive = bool(meta, PREDICTIVE, false);
    Duration idle =
        meta.containsKey(IDLE) ? Durations.parse("scalerMetadata." + IDLE, meta.get(IDLE)) : defaultIdle;
    if (idle.isNegative()) {
      throw new IllegalArgumentException(
          "scalerMetadata." + IDLE + ": " + meta.get(IDLE) + " (expected: >= 0)");
    }
    return new ScalerMetadata(model.trim(), target, activation, predictive, idle);
  }

  private static double number(Map<String, String> meta, String key, double dflt) {
    String text = meta.get(key);
    if (text == null) {
      return dflt;
    }
    try {
      double v = Double.parseDouble(text.trim());
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "scalerMetadata." + key + ": '" + text + "' (expected: a number)");
    }
  }

  private static boolean bool(Map<String, String> meta, String key, boolean dflt) {
    String text = meta.get(key);
    if (text == null) {
      return dflt;
    }
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw new IllegalArgumentException(
            "scalerMetadata." + key + ": '" + text + "' (expected: true or false)");
    }
  }
}
