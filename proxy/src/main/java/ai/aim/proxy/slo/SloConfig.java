package ai.aim.proxy.slo;

import ai.aim.proxy.admission.Priority;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code slo:} section of the sidecar's config: objectives per model and priority, defaults
 * for models and priorities not listed, and the burn guard the admission core may consult.
 * Immutable; safe on any thread.
 *
 * <pre>
 * slo:
 *   defaults:                 # optional; for unlisted models and unlisted priorities
 *     high:   { latency: { percentile: 99, thresholdMs: 800 },   availability: 0.999 }
 *     medium: { latency: { percentile: 99, thresholdMs: 2000 },  availability: 0.99 }
 *     low:    { latency: { percentile: 95, thresholdMs: 10000 }, availability: 0.95 }
 *   models:
 *     llama:
 *       high: { latency: { percentile: 99, thresholdMs: 800 }, availability: 0.999, minThroughputRps: 5 }
 *   highBurn: { threshold: 6, minRequests: 20 }
 * </pre>
 *
 * <p>A field left out of a model's entry is taken from the defaults of the same priority.
 *
 * @param defaults the objective per priority for anything not listed
 * @param models objectives per listed model, every priority filled in
 * @param highBurn the rule behind {@link SloTracker#highBurning(String)}
 */
public record SloConfig(
    Map<Priority, SloObjective> defaults,
    Map<String, Map<Priority, SloObjective>> models,
    BurnGuard highBurn) {

  /** The series name that every model without its own series is folded into. */
  public static final String UNKNOWN_MODEL = "unknown";

  /**
   * When HIGH counts as burning its error budget: both the 5 minute and the 1 minute burn rates
   * are at least {@code threshold} and the 5 minute window holds at least {@code minRequests}
   * requests.
   */
  public record BurnGuard(double threshold, long minRequests) {}

  private static final Map<Priority, SloObjective> BUILT_IN_DEFAULTS =
      Collections.unmodifiableMap(
          new EnumMap<>(
              Map.of(
                  Priority.HIGH, new SloObjective(99, 800, 0.999, 0),
                  Priority.MEDIUM, new SloObjective(99, 2000, 0.99, 0),
                  Priority.LOW, new SloObjective(95, 10_000, 0.95, 0))));

  private static final BurnGuard DEFAULT_BURN_GUARD = new BurnGuard(6.0, 20);

  private static final Set<String> OBJECTIVE_KEYS =
      Set.of("latency", "availability", "minThroughputRps");
  private static final Set<String> LATENCY_KEYS = Set.of("percentile", "thresholdMs");
  private static final Set<String> TOP_KEYS = Set.of("defaults", "models", "highBurn");
  private static final Set<String> BURN_KEYS = Set.of("threshold", "minRequests");

  public SloConfig {
    defaults = Collections.unmodifiableMap(new EnumMap<>(defaults));
    Map<String, Map<Priority, SloObjective>> copy = new LinkedHashMap<>();
    models.forEach((k, v) -> copy.put(k, Collections.unmodifiableMap(new EnumMap<>(v))));
    models = Collections.unmodifiableMap(copy);
  }

  /** The built-in defaults and no listed models. */
  public static SloConfig defaultConfig() {
    return new SloConfig(BUILT_IN_DEFAULTS, Map.of(), DEFAULT_BURN_GUARD);
  }

  /** The objective for a model and priority; unlisted models get the defaults. */
  public SloObjective objective(String model, Priority priority) {
    Map<Priority, SloObjective> m = models.get(model);
    return m != null ? m.get(priority) : defaults.get(priority);
  }

  /**
   * Parses the {@code slo:} node ({@code null} or missing: the built-in defaults).
   *
   * @throws SloConfigException listing every problem found
   */
  public static SloConfig parse(JsonNode slo) throws SloConfigException {
    List<String> problems = new ArrayList<>();
    if (slo == null || slo.isMissingNode() || slo.isNull()) {
      return defaultConfig();
    }
    if (!slo.isObject()) {
      throw new SloConfigException(List.of("slo: " + describe(slo) + " (expected: a mapping)"));
    }
    unknownKeys(slo, "slo", TOP_KEYS, problems);

    Map<Priority, SloObjective> defaults = new EnumMap<>(BUILT_IN_DEFAULTS);
    JsonNode d = slo.get("defaults");
    if (d != null && mapping(d, "slo.defaults", problems)) {
      priorityKeys(d, "slo.defaults", problems);
      for (Priority p : Priority.values()) {
        JsonNode o = d.get(p.label());
        if (o != null) {
          defaults.put(p, objective(o, "slo.defaults." + p.label(), BUILT_IN_DEFAULTS.get(p), problems));
        }
      }
    }

    Map<String, Map<Priority, SloObjective>> models = new LinkedHashMap<>();
    JsonNode m = slo.get("models");
    if (m != null && mapping(m, "slo.models", problems)) {
      for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String name = e.getKey();
        String path = "slo.models." + name;
        if (name.isBlank()) {
          problems.add("slo.models: blank model name (expected: a model name)");
          continue;
        }
        if (name.equals(UNKNOWN_MODEL)) {
          problems.add(path + ": reserved for models without their own entry (expected: set slo.defaults instead)");
          continue;
        }
        if (!mapping(e.getValue(), path, problems)) {
          continue;
        }
        priorityKeys(e.getValue(), path, problems);
        Map<Priority, SloObjective> perPriority = new EnumMap<>(Priority.class);
        for (Priority p : Priority.values()) {
          JsonNode o = e.getValue().get(p.label());
          perPriority.put(
              p,
              o == null
                  ? defaults.get(p)
                  : objective(o, path + "." + p.label(), defaults.get(p), problems));
        }
        models.put(name, perPriority);
      }
    }

    BurnGuard guard = DEFAULT_BURN_GUARD;
    JsonNode b = slo.get("highBurn");
    if (b != null && mapping(b, "slo.highBurn", problems)) {
      unknownKeys(b, "slo.highBurn", BURN_KEYS, problems);
      double threshold =
          number(b, "threshold", "slo.highBurn.threshold", DEFAULT_BURN_GUARD.threshold(), problems);
      if (threshold <= 0) {
        problems.add("slo.highBurn.threshold: " + fmt(threshold) + " (expected: > 0)");
      }
      double min =
          number(b, "minRequests", "slo.highBurn.minRequests", DEFAULT_BURN_GUARD.minRequests(), problems);
      if (min < 0 || min != Math.rint(min)) {
        problems.add("slo.highBurn.minRequests: " + fmt(min) + " (expected: a whole number >= 0)");
      }
      guard = new BurnGuard(threshold, (long) min);
    }

    if (!problems.isEmpty()) {
      throw new SloConfigException(problems);
    }
    return new SloConfig(defaults, models, guard);
  }

  private static SloObjective objective(
      JsonNode node, String path, SloObjective fallback, List<String> problems) {
    if (!mapping(node, path, problems)) {
      return fallback;
    }
    unknownKeys(node, path, OBJECTIVE_KEYS, problems);
    double percentile = fallback.percentile();
    double thresholdMs = fallback.thresholdMs();
    JsonNode latency = node.get("latency");
    if (latency != null && mapping(latency, path + ".latency", problems)) {
      unknownKeys(latency, path + ".latency", LATENCY_KEYS, problems);
      percentile = number(latency, "percentile", path + ".latency.percentile", percentile, problems);
      thresholdMs = number(latency, "thresholdMs", path + ".latency.thresholdMs", thresholdMs, problems);
    }
    double availability =
        number(node, "availability", path + ".availability", fallback.availability(), problems);
    double minRps =
        number(node, "minThroughputRps", path + ".minThroughputRps", fallback.minThroughputRps(), problems);

    if (!(percentile > 0 && percentile < 100)) {
      problems.add(path + ".latency.percentile: " + fmt(percentile) + " (expected: > 0 and < 100, e.g. 99)");
    }
    if (!(thresholdMs >= 1 && thresholdMs == Math.rint(thresholdMs) && thresholdMs <= 1_800_000)) {
      problems.add(
          path + ".latency.thresholdMs: " + fmt(thresholdMs) + " (expected: a whole number of ms in 1..1800000)");
    }
    if (!(availability > 0 && availability < 1)) {
      problems.add(path + ".availability: " + fmt(availability) + " (expected: > 0 and < 1, e.g. 0.999)");
    }
    if (!(minRps >= 0)) {
      problems.add(path + ".minThroughputRps: " + fmt(minRps) + " (expected: >= 0)");
    }
    return new SloObjective(percentile, (long) thresholdMs, availability, minRps);
  }

  private static double number(
      JsonNode parent, String key, String path, double fallback, List<String> problems) {
    JsonNode v = parent.get(key);
    if (v == null) {
      return fallback;
    }
    if (!v.isNumber()) {
      problems.add(path + ": " + describe(v) + " (expected: a number)");
      return fallback;
    }
    return v.doubleValue();
  }

  private static boolean mapping(JsonNode node, String path, List<String> problems) {
    if (node.isObject()) {
      return true;
    }
    problems.add(path + ": " + describe(node) + " (expected: a mapping)");
    return false;
  }

  private static void priorityKeys(JsonNode node, String path, List<String> problems) {
    node.fieldNames()
        .forEachRemaining(
            k -> {
              if (Priority.parseOrNull(k) == null || !k.equals(k.toLowerCase(Locale.ROOT).trim())) {
                problems.add(path + "." + k + ": unknown priority (expected: high, medium or low)");
              }
            });
  }

  private static void unknownKeys(JsonNode node, String path, Set<String> allowed, List<String> problems) {
    node.fieldNames()
        .forEachRemaining(
            k -> {
              if (!allowed.contains(k)) {
                problems.add(
                    path + "." + k + ": unknown key (expected one of: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
              }
            });
  }

  private static String describe(JsonNode v) {
    return v.isTextual() ? "\"" + v.textValue() + "\"" : v.toString();
  }

  private static String fmt(double d) {
    return d == Math.rint(d) && !Double.isInfinite(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
