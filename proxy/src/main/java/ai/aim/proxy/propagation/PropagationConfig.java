package ai.aim.proxy.propagation;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Priority propagation of every model, from the {@code models.<name>.propagation} sections of the
 * sidecar's YAML. Models without a section (and unknown models) propagate nothing. Immutable.
 *
 * <pre>{@code
 * models:
 *   llama:
 *     propagation:
 *       enabled: true
 *       maxBodyBytes: 65536
 *       openai: {high: 0, medium: 1, low: 2}
 *       kserve: {high: 1, medium: 2, low: 3}
 * }</pre>
 *
 * @param models policy by configured model name
 */
public record PropagationConfig(Map<String, PropagationPolicy> models) {

  private static final Set<String> KEYS = Set.of("enabled", "maxBodyBytes", "openai", "kserve");
  private static final Set<String> CLASS_KEYS = Set.of("high", "medium", "low");

  /** Propagation off for every model. */
  public static final PropagationConfig NONE = new PropagationConfig(Map.of());

  public PropagationConfig {
    models = Map.copyOf(models);
  }

  /** The policy of a model ({@link PropagationPolicy#OFF} when it has none). */
  public PropagationPolicy policyFor(String model) {
    PropagationPolicy p = models.get(model);
    return p != null ? p : PropagationPolicy.OFF;
  }

  /**
   * Reads the {@code propagation} key of each entry of the {@code models} mapping.
   *
   * @param models the {@code models:} mapping, or null / missing
   * @throws IllegalArgumentException naming the key and what was expected
   */
  public static PropagationConfig parse(JsonNode models) {
    if (models == null || models.isMissingNode() || models.isNull() || !models.isObject()) {
      return NONE;
    }
    Map<String, PropagationPolicy> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = models.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode m = e.getValue();
      if (m == null || !m.isObject() || !m.has("propagation") || m.get("propagation").isNull()) {
        continue;
      }
      out.put(e.getKey(), parseOne(m.get("propagation"), "models." + e.getKey() + ".propagation"));
    }
    return new PropagationConfig(out);
  }

  private static PropagationPolicy parseOne(JsonNode n, String path) {
    if (!n.isObject()) {
      throw new IllegalArgumentException(path + ": " + n + " (expected: a mapping)");
    }
    checkKeys(n, path, KEYS);
    PropagationPolicy d = PropagationPolicy.OFF;
    boolean enabled = d.enabled();
    JsonNode en = n.get("enabled");
    if (en != null && !en.isNull()) {
      if (!en.isBoolean()) {
        throw new IllegalArgumentException(path + ".enabled: " + en + " (expected: true or false)");
      }
      enabled = en.booleanValue();
    }
    int max = d.maxBodyBytes();
    JsonNode mn = n.get("maxBodyBytes");
    if (mn != null && !mn.isNull()) {
      if (!mn.isIntegralNumber() || !mn.canConvertToInt() || mn.intValue() < 0) {
        throw new IllegalArgumentException(
            path + ".maxBodyBytes: " + mn + " (expected: a whole number of bytes >= 0)");
      }
      max = mn.intValue();
    }
    return new PropagationPolicy(
        enabled,
        max,
        numbers(n.get("openai"), d.openAi(), path + ".openai"),
        numbers(n.get("kserve"), d.kserve(), path + ".kserve"));
  }

  private static PriorityNumbers numbers(JsonNode n, PriorityNumbers base, String path) {
    if (n == null || n.isNull()) {
      return base;
    }
    if (!n.isObject()) {
      throw new IllegalArgumentException(path + ": " + n + " (expected: a mapping of high, medium, low)");
    }
    checkKeys(n, path, CLASS_KEYS);
    return new PriorityNumbers(
        number(n, "high", base.high(), path),
        number(n, "medium", base.medium(), path),
        number(n, "low", base.low(), path));
  }

  private static long number(JsonNode n, String key, long dflt, String path) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException(path + "." + key + ": " + v + " (expected: an integer)");
    }
    return v.longValue();
  }

  private static void checkKeys(JsonNode n, String path, Set<String> allowed) {
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!allowed.contains(k)) {
        throw new IllegalArgumentException(
            path + "." + k + ": unknown key (expected one of: "
                + String.join(", ", new TreeSet<>(allowed)) + ")");
      }
    }
  }
}
