package ai.aim.proxy.slo;

import ai.aim.proxy.admission.Priority;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * Renders the {@code GET /slo} body from a snapshot: a pure function, safe on any thread.
 *
 * <pre>
 * { "generatedAt": "...", "slos": [ {model, priority, latency: {percentile, thresholdMs},
 *   availability, minThroughputRps} ... ],
 *   "series": [ {model, priority, objective: {...}, windows: { "1m": {start, end, startMillis,
 *   endMillis, requests, good, slow, sidecarErrors, throughputRps, throughputMet?,
 *   latency: {objective, good, compliance, burnRate, budgetRemaining}, availability: {...},
 *   burnRate, percentilesMs: {total|queue|upstream|ttfb: {count, p50, p90, p99, p99.9, max}}},
 *   "5m": ..., "1h": ... }, alerts: [ {name, longWindow, shortWindow, threshold, firing} ] } ] }
 * </pre>
 */
public final class SloJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private SloJson() {}

  /** The JSON document as UTF-8 bytes. */
  public static byte[] render(SloSnapshot snapshot) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree(snapshot));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("rendering /slo failed", e);
    }
  }

  /** The JSON document as a tree (for callers that embed it). */
  public static ObjectNode tree(SloSnapshot snapshot) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("generatedAt", Instant.ofEpochMilli(snapshot.takenAtMillis()).toString());
    root.put("generatedAtMillis", snapshot.takenAtMillis());

    ArrayNode slos = root.putArray("slos");
    SloConfig config = snapshot.config();
    for (Priority p : Priority.values()) {
      ObjectNode o = objective(slos.addObject(), config.defaults().get(p));
      o.put("model", "*");
      o.put("priority", p.label());
    }
    for (Map.Entry<String, Map<Priority, SloObjective>> e : config.models().entrySet()) {
      for (Priority p : Priority.values()) {
        ObjectNode o = objective(slos.addObject(), e.getValue().get(p));
        o.put("model", e.getKey());
        o.put("priority", p.label());
      }
    }
    ObjectNode guard = root.putObject("highBurn");
    guard.put("threshold", config.highBurn().threshold());
    guard.put("minRequests", config.highBurn().minRequests());

    ArrayNode series = root.putArray("series");
    for (SloSnapshot.Series s : snapshot.series()) {
      ObjectNode n = series.addObject();
      n.put("model", s.model());
      n.put("priority", s.priority().label());
      objective(n.putObject("objective"), s.objective());
      ObjectNode windows = n.putObject("windows");
      for (SloSnapshot.WindowStats w : s.windows().values()) {
        window(windows.putObject(w.window().label()), w);
      }
      ArrayNode alerts = n.putArray("alerts");
      for (SloSnapshot.Alert a : s.alerts()) {
        ObjectNode an = alerts.addObject();
        an.put("name", a.name());
        an.put("longWindow", a.longWindow().label());
        an.put("shortWindow", a.shortWindow().label());
        an.put("threshold", a.threshold());
        an.put("firing", a.firing());
      }
    }
    return root;
  }

  private static ObjectNode objective(ObjectNode o, SloObjective obj) {
    ObjectNode latency = o.putObject("latency");
    latency.put("percentile", obj.percentile());
    latency.put("thresholdMs", obj.thresholdMs());
    o.put("availability", obj.availability());
    o.put("minThroughputRps", obj.minThroughputRps());
    return o;
  }

  private static void window(ObjectNode n, SloSnapshot.WindowStats w) {
    n.put("start", Instant.ofEpochMilli(w.startMillis()).toString());
    n.put("end", Instant.ofEpochMilli(w.endMillis()).toString());
    n.put("startMillis", w.startMillis());
    n.put("endMillis", w.endMillis());
    n.put("requests", w.requests());
    n.put("good", w.good());
    n.put("slow", w.slow());
    n.put("sidecarErrors", w.sidecarErrors());
    n.put("throughputRps", w.throughputRps());
    if (w.throughputMet() != null) {
      n.put("throughputMet", w.throughputMet());
    }
    sli(n.putObject("latency"), w.latency());
    sli(n.putObject("availability"), w.availability());
    n.put("burnRate", w.burnRate());
    ObjectNode pct = n.putObject("percentilesMs");
    for (Map.Entry<LatencyKind, SloSnapshot.Percentiles> e : w.percentiles().entrySet()) {
      SloSnapshot.Percentiles p = e.getValue();
      ObjectNode pn = pct.putObject(e.getKey().label());
      pn.put("count", p.count());
      pn.put("p50", p.p50());
      pn.put("p90", p.p90());
      pn.put("p99", p.p99());
      pn.put("p99.9", p.p999());
      pn.put("max", p.max());
    }
  }

  private static void sli(ObjectNode n, SloSnapshot.SliStats s) {
    n.put("objective", s.objective());
    n.put("good", s.good());
    n.put("compliance", s.compliance());
    n.put("burnRate", s.burnRate());
    n.put("budgetRemaining", s.budgetRemaining());
  }
}
