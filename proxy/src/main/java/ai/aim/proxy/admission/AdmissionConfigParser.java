package ai.aim.proxy.admission;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads the {@code admission:} and {@code models:} sections of the sidecar's YAML (as Jackson
 * trees) into an {@link AdmissionConfig}. Every error names the full key, the value and what was
 * expected, e.g. {@code admission.priorities.low.maxQueue: -1 (expected: >= 0)}. Unknown keys
 * under {@code admission} (and under {@code models.<name>.admission}) are errors, so that a typo
 * is not silently ignored; other keys of {@code models.<name>} belong to other parts of the
 * sidecar and are left alone. Stateless; safe on any thread.
 */
public final class AdmissionConfigParser {

  private static final Set<String> GLOBAL_KEYS =
      Set.of("ringSize", "tickMs", "snapshotIntervalMs", "rateWindowMs", "rateAlpha", "upstreamHoldMs");
  private static final Set<String> MODEL_KEYS =
      Set.of(
          "defaultPriority", "maxInflight", "limit", "scheduling", "agingMs", "reservedHighShare",
          "priorities", "serviceTime", "tenants", "engine", "shedWhileHigherOverflows",
          "highOvercommit", "highOvercommitAfterMs");
  private static final Set<String> LIMIT_KEYS =
      Set.of("mode", "maxInflight", "minLimit", "maxLimit", "smoothing", "longWindow",
          "rttTolerance");
  private static final Set<String> PRIORITY_KEYS =
      Set.of("maxQueue", "maxQueueWaitMs", "maxInflightShare", "weight");
  private static final Set<String> SERVICE_KEYS = Set.of("initialMs", "alpha");
  private static final Set<String> TENANT_KEYS = Set.of("maxTenants", "defaultWeight", "weights");
  private static final Set<String> ENGINE_KEYS =
      Set.of("enabled", "kvHighWatermark", "kvCriticalWatermark", "waitingHighWatermark",
          "waitingCriticalWatermark", "staleAfterMs", "recoveryStep", "recoveryIntervalMs");
  /**
   * Keys of the engine-gauge scraper, read by {@code ai.aim.proxy.engine.ScrapeConfig}; allowed
   * only in the global {@code admission.engine} section (one scraper per sidecar).
   */
  private static final Set<String> GLOBAL_ENGINE_KEYS = union(ENGINE_KEYS,
      Set.of("metricsUrl", "scrapeIntervalMs", "waitingMetric", "kvUsageMetric", "modelLabel"));

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> u = new java.util.HashSet<>(a);
    u.addAll(b);
    return Set.copyOf(u);
  }

  private AdmissionConfigParser() {}

  /**
   * Parses the {@code admission} and {@code models} sections of a whole config tree (either may be
   * missing: built-in defaults apply).
   */
  public static AdmissionConfig parseRoot(JsonNode root) {
    if (root == null || root.isMissingNode() || root.isNull()) {
      return AdmissionConfig.defaultConfig();
    }
    return parse(root.get("admission"), root.get("models"));
  }

  /**
   * Parses the two sections.
   *
   * @param admission the {@code admission:} mapping, or null
   * @param models the {@code models:} mapping, or null
   * @throws IllegalArgumentException naming the key and what was expected
   */
  public static AdmissionConfig parse(JsonNode admission, JsonNode models) {
    AdmissionConfig base = AdmissionConfig.defaultConfig();
    ModelPolicy defaults = base.defaults();
    int ringSize = base.ringSize();
    long tick = base.tickMillis();
    long snapshot = base.snapshotIntervalMillis();
    long rateWindow = base.rateWindowMillis();
    double rateAlpha = base.rateAlpha();
    long upstreamHold = base.upstreamHoldMillis();
    if (present(admission)) {
      requireObject(admission, "admission");
      Set<String> allowed = new java.util.HashSet<>(GLOBAL_KEYS);
      allowed.addAll(MODEL_KEYS);
      checkKeys(admission, "admission", allowed);
      ringSize = intAt(admission, "ringSize", ringSize, "admission");
      tick = longAt(admission, "tickMs", tick, "admission");
      snapshot = longAt(admission, "snapshotIntervalMs", snapshot, "admission");
      rateWindow = longAt(admission, "rateWindowMs", rateWindow, "admission");
      rateAlpha = doubleAt(admission, "rateAlpha", rateAlpha, "admission");
      upstreamHold = longAt(admission, "upstreamHoldMs", upstreamHold, "admission");
      defaults = parseModel(admission, defaults, "admission");
    }
    Map<String, ModelPolicy> perModel = new LinkedHashMap<>();
    if (present(models)) {
      requireObject(models, "models");
      for (Iterator<Map.Entry<String, JsonNode>> it = models.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String path = "models." + e.getKey();
        JsonNode m = e.getValue();
        if (!present(m)) {
          continue;
        }
        requireObject(m, path);
        ModelPolicy p = defaults;
        JsonNode section = m.get("admission");
        if (present(section)) {
          requireObject(section, path + ".admission");
          checkKeys(section, path + ".admission", MODEL_KEYS);
          p = parseModel(section, p, path + ".admission");
        }
        if (m.has("defaultPriority")) {
          p = withDefaultPriority(p, priorityAt(m, "defaultPriority", path));
        }
        perModel.put(e.getKey(), p);
      }
    }
    try {
      return new AdmissionConfig(
          defaults, perModel, ringSize, tick, snapshot, rateWindow, rateAlpha, upstreamHold);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("admission." + e.getMessage(), e);
    }
  }

  private static ModelPolicy parseModel(JsonNode n, ModelPolicy base, String path) {
    Priority defaultPriority =
        n.has("defaultPriority") ? priorityAt(n, "defaultPriority", path) : base.defaultPriority();
    LimitPolicy limit = parseLimit(n, base.limit(), path);
    SchedulingMode scheduling = base.scheduling();
    if (n.has("scheduling")) {
      String s = textAt(n, "scheduling", path);
      try {
        scheduling = SchedulingMode.valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            path + ".scheduling: \"" + s + "\" (expected: strict, aging or weighted)", e);
      }
    }
    long aging = longAt(n, "agingMs", base.agingMillis(), path);
    double reserve = doubleAt(n, "reservedHighShare", base.reservedHighShare(), path);
    List<PriorityPolicy> priorities = new ArrayList<>(base.priorities());
    JsonNode pn = n.get("priorities");
    if (present(pn)) {
      requireObject(pn, path + ".priorities");
      checkKeys(pn, path + ".priorities", Set.of("high", "medium", "low"));
      for (Priority p : Priority.values()) {
        JsonNode one = pn.get(p.label());
        if (present(one)) {
          String pp = path + ".priorities." + p.label();
          requireObject(one, pp);
          checkKeys(one, pp, PRIORITY_KEYS);
          PriorityPolicy b = priorities.get(p.ordinal());
          priorities.set(
              p.ordinal(),
              build(
                  pp,
                  () ->
                      new PriorityPolicy(
                          intAt(one, "maxQueue", b.maxQueue(), pp),
                          longAt(one, "maxQueueWaitMs", b.maxQueueWaitMillis(), pp),
                          doubleAt(one, "maxInflightShare", b.maxInflightShare(), pp),
                          intAt(one, "weight", b.weight(), pp))));
        }
      }
    }
    long initialService = base.initialServiceTimeMillis();
    double alpha = base.serviceTimeAlpha();
    JsonNode sn = n.get("serviceTime");
    if (present(sn)) {
      String sp = path + ".serviceTime";
      requireObject(sn, sp);
      checkKeys(sn, sp, SERVICE_KEYS);
      initialService = longAt(sn, "initialMs", initialService, sp);
      alpha = doubleAt(sn, "alpha", alpha, sp);
    }
    TenantPolicy tenants = base.tenants();
    JsonNode tn = n.get("tenants");
    if (present(tn)) {
      String tp = path + ".tenants";
      requireObject(tn, tp);
      checkKeys(tn, tp, TENANT_KEYS);
      Map<String, Integer> weights = new HashMap<>(tenants.weights());
      JsonNode wn = tn.get("weights");
      if (present(wn)) {
        requireObject(wn, tp + ".weights");
        for (Iterator<String> it = wn.fieldNames(); it.hasNext(); ) {
          String k = it.next();
          weights.put(k, intAt(wn, k, 1, tp + ".weights"));
        }
      }
      TenantPolicy bt = tenants;
      tenants =
          build(
              tp,
              () ->
                  new TenantPolicy(
                      intAt(tn, "maxTenants", bt.maxTenants(), tp),
                      intAt(tn, "defaultWeight", bt.defaultWeight(), tp),
                      weights));
    }
    EnginePolicy engine = base.engine();
    JsonNode en = n.get("engine");
    if (present(en)) {
      String ep = path + ".engine";
      requireObject(en, ep);
      checkKeys(en, ep, path.equals("admission") ? GLOBAL_ENGINE_KEYS : ENGINE_KEYS);
      EnginePolicy be = engine;
      engine =
          build(
              ep,
              () ->
                  new EnginePolicy(
                      boolAt(en, "enabled", be.enabled(), ep),
                      doubleAt(en, "kvHighWatermark", be.kvHighWatermark(), ep),
                      doubleAt(en, "kvCriticalWatermark", be.kvCriticalWatermark(), ep),
                      intAt(en, "waitingHighWatermark", be.waitingHighWatermark(), ep),
                      intAt(en, "waitingCriticalWatermark", be.waitingCriticalWatermark(), ep),
                      longAt(en, "staleAfterMs", be.staleAfterMillis(), ep),
                      doubleAt(en, "recoveryStep", be.recoveryStep(), ep),
                      longAt(en, "recoveryIntervalMs", be.recoveryIntervalMillis(), ep)));
    }
    long initial = initialService;
    double a = alpha;
    SchedulingMode s = scheduling;
    TenantPolicy t = tenants;
    EnginePolicy eng = engine;
    boolean outranked =
        boolAt(n, "shedWhileHigherOverflows", base.shedWhileHigherOverflows(), path);
    int overcommit = intAt(n, "highOvercommit", base.highOvercommit(), path);
    long overcommitAfter =
        longAt(n, "highOvercommitAfterMs", base.highOvercommitAfterMillis(), path);
    return build(
        path,
        () ->
            new ModelPolicy(
                defaultPriority, limit, s, aging, reserve, priorities, initial, a, t, eng,
                outranked, overcommit, overcommitAfter));
  }

  private static LimitPolicy parseLimit(JsonNode n, LimitPolicy base, String path) {
    LimitPolicy.Mode mode = base.mode();
    int maxInflight = intAt(n, "maxInflight", base.maxInflight(), path);
    int minLimit = base.minLimit();
    int maxLimit = base.maxLimit();
    double smoothing = base.smoothing();
    int longWindow = base.longWindow();
    double tolerance = base.rttTolerance();
    boolean explicitMax = false;
    JsonNode ln = n.get("limit");
    String lp = path + ".limit";
    if (present(ln)) {
      requireObject(ln, lp);
      checkKeys(ln, lp, LIMIT_KEYS);
      if (ln.has("mode")) {
        String s = textAt(ln, "mode", lp);
        try {
          mode = LimitPolicy.Mode.valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              lp + ".mode: \"" + s + "\" (expected: static or adaptive)", e);
        }
      }
      maxInflight = intAt(ln, "maxInflight", maxInflight, lp);
      minLimit = intAt(ln, "minLimit", minLimit, lp);
      explicitMax = ln.has("maxLimit");
      maxLimit = intAt(ln, "maxLimit", maxLimit, lp);
      smoothing = doubleAt(ln, "smoothing", smoothing, lp);
      longWindow = intAt(ln, "longWindow", longWindow, lp);
      tolerance = doubleAt(ln, "rttTolerance", tolerance, lp);
    }
    if (mode == LimitPolicy.Mode.STATIC && !explicitMax) {
      // A static limit's bounds are not used; keep them consistent with it.
      minLimit = Math.min(minLimit, Math.max(1, maxInflight));
      maxLimit = Math.max(maxLimit, Math.max(1, maxInflight));
    }
    LimitPolicy.Mode m = mode;
    int mi = maxInflight;
    int lo = minLimit;
    int hi = maxLimit;
    double sm = smoothing;
    int lw = longWindow;
    double tol = tolerance;
    return build(lp, () -> new LimitPolicy(m, mi, lo, hi, sm, lw, tol));
  }

  private static ModelPolicy withDefaultPriority(ModelPolicy p, Priority d) {
    return new ModelPolicy(d, p.limit(), p.scheduling(), p.agingMillis(), p.reservedHighShare(),
        p.priorities(), p.initialServiceTimeMillis(), p.serviceTimeAlpha(), p.tenants(),
        p.engine(), p.shedWhileHigherOverflows(), p.highOvercommit(),
        p.highOvercommitAfterMillis());
  }

  private interface Builder<T> {
    T get();
  }

  /** Runs a record constructor and prefixes its validation message with the key path. */
  private static <T> T build(String path, Builder<T> b) {
    try {
      return b.get();
    } catch (IllegalArgumentException e) {
      String msg = e.getMessage();
      if (msg != null && (msg.startsWith("admission.") || msg.startsWith("models."))) {
        throw e;
      }
      throw new IllegalArgumentException(path + "." + msg, e);
    }
  }

  private static boolean present(JsonNode n) {
    return n != null && !n.isMissingNode() && !n.isNull();
  }

  private static void requireObject(JsonNode n, String path) {
    if (!n.isObject()) {
      throw new IllegalArgumentException(path + ": " + n + " (expected: a mapping)");
    }
  }

  private static void checkKeys(JsonNode n, String path, Set<String> allowed) {
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!allowed.contains(k)) {
        throw new IllegalArgumentException(
            path + "." + k + ": unknown key (expected one of: "
                + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
      }
    }
  }

  private static int intAt(JsonNode n, String key, int dflt, String path) {
    JsonNode v = n.get(key);
    if (!present(v)) {
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException(path + "." + key + ": " + v + " (expected: an integer)");
    }
    return v.intValue();
  }

  private static long longAt(JsonNode n, String key, long dflt, String path) {
    JsonNode v = n.get(key);
    if (!present(v)) {
      return dflt;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException(
          path + "." + key + ": " + v + " (expected: an integer number of milliseconds)");
    }
    return v.longValue();
  }

  private static double doubleAt(JsonNode n, String key, double dflt, String path) {
    JsonNode v = n.get(key);
    if (!present(v)) {
      return dflt;
    }
    if (!v.isNumber()) {
      throw new IllegalArgumentException(path + "." + key + ": " + v + " (expected: a number)");
    }
    return v.doubleValue();
  }

  private static boolean boolAt(JsonNode n, String key, boolean dflt, String path) {
    JsonNode v = n.get(key);
    if (!present(v)) {
      return dflt;
    }
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(
          path + "." + key + ": " + v + " (expected: true or false)");
    }
    return v.booleanValue();
  }

  private static String textAt(JsonNode n, String key, String path) {
    JsonNode v = n.get(key);
    if (!v.isTextual()) {
      throw new IllegalArgumentException(path + "." + key + ": " + v + " (expected: a string)");
    }
    return v.textValue();
  }

  private static Priority priorityAt(JsonNode n, String key, String path) {
    JsonNode v = n.get(key);
    Priority p = v.isTextual() ? Priority.parseOrNull(v.textValue()) : null;
    if (p == null) {
      throw new IllegalArgumentException(
          path + "." + key + ": " + v + " (expected: high, medium or low)");
    }
    return p;
  }
}
