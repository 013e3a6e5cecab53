package ai.aim.scheduler.keda;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The InferenceService annotations that opt a model into KEDA scaling and tune it, parsed and
 * validated into an {@link AutoscalingSpec}. Pure; stateless.
 */
final class AutoscalingAnnotations {

  static final String PREFIX = "aim.ai/";
  static final String ENABLED = PREFIX + "autoscaling";
  static final String MODEL = PREFIX + "model";
  static final String MIN = PREFIX + "min-replicas";
  static final String MAX = PREFIX + "max-replicas";
  static final String TARGET = PREFIX + "target-per-replica";
  static final String ACTIVATION = PREFIX + "activation-threshold";
  static final String IDLE = PREFIX + "idle-before-scale-to-zero";
  static final String PREDICTIVE = PREFIX + "predictive";
  static final String POLLING = PREFIX + "polling-interval";
  static final String COOLDOWN = PREFIX + "cooldown-period";
  static final String PROMETHEUS = PREFIX + "prometheus-fallback";
  static final String CPU = PREFIX + "cpu-utilization";
  static final String MEMORY = PREFIX + "memory-utilization";
  static final String DEPLOYMENT_MODE = "serving.kserve.io/deploymentMode";
  static final String AUTOSCALER_CLASS = "serving.kserve.io/autoscalerClass";

  static final int REPLICA_LIMIT = 1000;

  private AutoscalingAnnotations() {}

  /** Whether the annotations opt the InferenceService in ({@code true}, {@code enabled}, {@code keda}). */
  static boolean optedIn(Map<String, String> annotations) {
    String v = annotations.get(ENABLED);
    if (v == null) {
      return false;
    }
    switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true":
      case "enabled":
      case "keda":
        return true;
      default:
        return false;
    }
  }

  /** Either a valid spec or every problem found (all reported at once, so one edit fixes all). */
  record Parsed(Optional<AutoscalingSpec> spec, List<String> errors) {}

  static Parsed parse(String isvcName, Map<String, String> a) {
    List<String> errors = new ArrayList<>();
    String mode = a.get(DEPLOYMENT_MODE);
    if (mode != null && !mode.equalsIgnoreCase("RawDeployment") && !mode.equalsIgnoreCase("Standard")) {
      errors.add(
          DEPLOYMENT_MODE + ": " + mode
              + " (expected: RawDeployment or Standard; Serverless models are scaled by Knative, not KEDA)");
    }
    String autoscaler = a.get(AUTOSCALER_CLASS);
    if (autoscaler != null
        && (autoscaler.equalsIgnoreCase("hpa") || autoscaler.equalsIgnoreCase("keda"))) {
      errors.add(
          AUTOSCALER_CLASS + ": " + autoscaler
              + " (expected: external or none, so that KServe does not scale the predictor too)");
    }
    String model = a.getOrDefault(MODEL, isvcName).trim();
    if (model.isEmpty()) {
      errors.add(MODEL + ": empty (expected: the model name its sidecars report)");
    }
    int min = integer(a, MIN, 1, 0, REPLICA_LIMIT, errors);
    int max = integer(a, MAX, 10, 1, REPLICA_LIMIT, errors);
    if (min > max) {
      errors.add(MIN + " " + min + " > " + MAX + " " + max + " (expected: min <= max)");
    }
    double target = number(a, TARGET, ScalerMetadata.DEFAULT_TARGET, errors);
    if (!(target > 0)) {
      errors.add(TARGET + ": " + a.get(TARGET) + " (expected: > 0)");
    }
    Double activation = null;
    if (a.containsKey(ACTIVATION)) {
      activation = number(a, ACTIVATION, 0, errors);
      if (!(activation >= 0)) {
        errors.add(ACTIVATION + ": " + a.get(ACTIVATION) + " (expected: >= 0)");
      }
    } else if (min == 0) {
      errors.add(
          MIN + " 0 (scale to zero) needs " + ACTIVATION
              + " (expected: the concurrency above which the model wakes up, e.g. 0)");
    }
    Duration idle = Duration.ofMinutes(5);
    if (a.containsKey(IDLE)) {
      try {
        idle = Durations.parse(IDLE, a.get(IDLE));
        if (idle.isNegative() || idle.compareTo(Duration.ofDays(1)) > 0) {
          errors.add(IDLE + ": " + a.get(IDLE) + " (expected: 0s..24h)");
        }
      } catch (IllegalArgumentException e) {
        errors.add(e.getMessage());
      }
      if (min > 0) {
        errors.add(IDLE + " is set but " + MIN + " is " + min + " (expected: min-replicas 0 to scale to zero)");
      }
    }
    boolean predictive = bool(a, PREDICTIVE, false, errors);
    int polling = seconds(a, POLLING, 15, 1, 3600, errors);
    int cooldown = seconds(a, COOLDOWN, 300, 0, 86400, errors);
    boolean prometheus = bool(a, PROMETHEUS, true, errors);
    OptionalInt cpu = percent(a, CPU, errors);
    OptionalInt memory = percent(a, MEMORY, errors);
    if (!errors.isEmpty()) {
      return new Parsed(Optional.empty(), List.copyOf(errors));
    }
    return new Parsed(
        Optional.of(
            new AutoscalingSpec(
                model, min, max, target, activation == null ? 0 : activation, idle, predictive,
                polling, cooldown, prometheus, cpu, memory)),
        List.of());
  }

  private static int integer(Map<String, String> a, String key, int dflt, int lo, int hi, List<String> errors) {
    String v = a.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n < lo || n > hi) {
        errors.add(key + ": " + n + " (expected: " + lo + ".." + hi + ")");
      }
      return n;
    } catch (NumberFormatException e) {
      errors.add(key + ": '" + v + "' (expected: an integer " + lo + ".." + hi + ")");
      return dflt;
    }
  }

  private static int seconds(Map<String, String> a, String key, int dflt, int lo, int hi, List<String> errors) {
    String v = a.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      Duration d = Durations.parse(key, v);
      long s = d.toSeconds();
      if (d.toMillis() % 1000 != 0 || s < lo || s > hi) {
        errors.add(key + ": " + v + " (expected: whole seconds, " + lo + "s.." + hi + "s)");
      }
      return (int) Math.max(Math.min(s, hi), lo);
    } catch (IllegalArgumentException e) {
      errors.add(e.getMessage());
      return dflt;
    }
  }

  private static OptionalInt percent(Map<String, String> a, String key, List<String> errors) {
    if (!a.containsKey(key)) {
      return OptionalInt.empty();
    }
    int p = integer(a, key, 0, 1, 100, errors);
    return OptionalInt.of(p);
  }

  private static double number(Map<String, String> a, String key, double dflt, List<String> errors) {
    String v = a.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      double d = Double.parseDouble(v.trim());
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      errors.add(key + ": '" + v + "' (expected: a number)");
      return dflt;
    }
  }

  private static boolean bool(Map<String, String> a, String key, boolean dflt, List<String> errors) {
    String v = a.get(key);
    if (v == null) {
      return dflt;
    }
    switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        errors.add(key + ": '" + v + "' (expected: true or false)");
        return dflt;
    }
  }
}
