package ai.aim.proxy.engine;

import ai.aim.proxy.admission.AdmissionConfig;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.Objects;

/**
 * Where and how often the model server's saturation gauges are read: the scraper keys of {@code
 * admission.engine} ({@code metricsUrl}, {@code scrapeIntervalMs}, {@code waitingMetric}, {@code
 * kvUsageMetric}, {@code modelLabel}). One scraper per sidecar: a pod has one model server, and
 * every model it serves is read from the same exposition by its model label. Immutable.
 *
 * @param metricsUrl the Prometheus text endpoint (http or https)
 * @param scrapeIntervalMillis time between the end of one scrape and the start of the next
 * @param waitingMetric the gauge of requests waiting inside the engine, or {@code ""} to read none
 * @param kvUsageMetric the gauge of KV-cache use (0..1), or {@code ""} to read none (e.g. Triton,
 *     which has no KV cache)
 * @param modelLabel the label naming the model in those gauges ({@code model_name} in vLLM, {@code
 *     model} in Triton); series without it count for every model
 */
public record ScrapeConfig(
    URI metricsUrl,
    long scrapeIntervalMillis,
    String waitingMetric,
    String kvUsageMetric,
    String modelLabel) {

  /** vLLM's gauge of waiting requests. */
  public static final String DEFAULT_WAITING_METRIC = "vllm:num_requests_waiting";

  /** vLLM's gauge of KV-cache use. */
  public static final String DEFAULT_KV_USAGE_METRIC = "vllm:kv_cache_usage_perc";

  /** vLLM's model label. */
  public static final String DEFAULT_MODEL_LABEL = PrometheusText.MODEL_LABEL;

  /** Default time between scrapes. */
  public static final long DEFAULT_INTERVAL_MILLIS = 100;

  public ScrapeConfig {
    Objects.requireNonNull(metricsUrl, "metricsUrl");
    String scheme = metricsUrl.getScheme();
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))
        || metricsUrl.getHost() == null) {
      throw new IllegalArgumentException(
          "admission.engine.metricsUrl: '" + metricsUrl + "' (expected: an http(s) URL with a host)");
    }
    if (scrapeIntervalMillis < 1) {
      throw new IllegalArgumentException(
          "admission.engine.scrapeIntervalMs: " + scrapeIntervalMillis + " (expected: >= 1)");
    }
    requireName("waitingMetric", waitingMetric, true);
    requireName("kvUsageMetric", kvUsageMetric, true);
    requireName("modelLabel", modelLabel, false);
    if (waitingMetric.isEmpty() && kvUsageMetric.isEmpty()) {
      throw new IllegalArgumentException("admission.engine.waitingMetric/kvUsageMetric: both empty"
          + " (expected: at least one gauge to read)");
    }
  }

  /** vLLM's gauges at {@code metricsUrl}, every 100 ms. */
  public static ScrapeConfig vllm(URI metricsUrl) {
    return new ScrapeConfig(metricsUrl, DEFAULT_INTERVAL_MILLIS, DEFAULT_WAITING_METRIC,
        DEFAULT_KV_USAGE_METRIC, DEFAULT_MODEL_LABEL);
  }

  private static void requireName(String key, String v, boolean mayBeEmpty) {
    if (v == null || (v.isEmpty() && !mayBeEmpty) || (!v.isEmpty() && v.isBlank())
        || v.chars().anyMatch(c -> c == '{' || c == '}' || c == ' ' || c == '\n' || c == '"')) {
      throw new IllegalArgumentException("admission.engine." + key + ": '" + v + "' (expected: "
          + (mayBeEmpty ? "a metric name, or '' for none)" : "a label name)"));
    }
  }

  /**
   * The scraper settings, or {@code null} when no model uses engine signals (neither {@code
   * admission.engine.enabled} nor any {@code models.<name>.admission.engine.enabled}).
   *
   * @param admission the {@code admission:} mapping, or null
   * @param parsed the admission policy parsed from the same file
   * @param upstream the upstream's HTTP base URL; {@code /metrics} on it is the default
   * @throws IllegalArgumentException naming the key and what was expected
   */
  public static ScrapeConfig of(JsonNode admission, AdmissionConfig parsed, URI upstream) {
    boolean used = parsed.defaults().engine().enabled()
        || parsed.models().values().stream().anyMatch(p -> p.engine().enabled());
    if (!used) {
      return null;
    }
    JsonNode en = admission == null ? null : admission.get("engine");
    URI url = upstream.resolve("/metrics");
    long interval = DEFAULT_INTERVAL_MILLIS;
    String waiting = DEFAULT_WAITING_METRIC;
    String kv = DEFAULT_KV_USAGE_METRIC;
    String label = DEFAULT_MODEL_LABEL;
    if (en != null && en.isObject()) {
      if (present(en, "metricsUrl")) {
        String s = text(en, "metricsUrl");
        try {
          url = URI.create(s.trim());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              "admission.engine.metricsUrl: '" + s + "' (expected: an http(s) URL)", e);
        }
      }
      if (present(en, "scrapeIntervalMs")) {
        JsonNode v = en.get("scrapeIntervalMs");
        if (!v.canConvertToLong() || !v.isIntegralNumber()) {
          throw new IllegalArgumentException(
              "admission.engine.scrapeIntervalMs: " + v + " (expected: an integer >= 1)");
        }
        interval = v.asLong();
      }
      if (present(en, "waitingMetric")) {
        waiting = text(en, "waitingMetric");
      }
      if (present(en, "kvUsageMetric")) {
        kv = text(en, "kvUsageMetric");
      }
      if (present(en, "modelLabel")) {
        label = text(en, "modelLabel");
      }
    }
    return new ScrapeConfig(url, interval, waiting, kv, label);
  }

  private static boolean present(JsonNode n, String key) {
    JsonNode v = n.get(key);
    return v != null && !v.isNull() && !v.isMissingNode();
  }

  private static String text(JsonNode n, String key) {
    JsonNode v = n.get(key);
    if (!v.isTextual()) {
      throw new IllegalArgumentException(
          "admission.engine." + key + ": " + v + " (expected: a string)");
    }
    return v.asText();
  }
}
