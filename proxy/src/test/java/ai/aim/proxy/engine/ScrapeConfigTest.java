package ai.aim.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.aim.proxy.admission.AdmissionConfig;
import ai.aim.proxy.admission.AdmissionConfigParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.URI;
import org.junit.jupiter.api.Test;

class ScrapeConfigTest {

  private static final URI UPSTREAM = URI.create("http://127.0.0.1:8000");
  private final ObjectMapper yaml = new ObjectMapper(new YAMLFactory());

  private ScrapeConfig parse(String admission, String models) throws Exception {
    JsonNode a = yaml.readTree(admission);
    JsonNode m = models == null ? null : yaml.readTree(models);
    AdmissionConfig parsed = AdmissionConfigParser.parse(a, m);
    return ScrapeConfig.of(a, parsed, UPSTREAM);
  }

  @Test
  void noModelUsingEngineSignalsMeansNoScraper() throws Exception {
    assertThat(parse("{maxInflight: 4}", null)).isNull();
    assertThat(parse("{engine: {enabled: false, scrapeIntervalMs: 50}}", null)).isNull();
  }

  @Test
  void enabledEngineDefaultsToTheUpstreamsMetricsAndVllmGauges() throws Exception {
    ScrapeConfig c = parse("{engine: {enabled: true}}", null);
    assertThat(c).isEqualTo(new ScrapeConfig(URI.create("http://127.0.0.1:8000/metrics"), 100,
        "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc", "model_name"));
  }

  @Test
  void oneModelEnablingItIsEnough() throws Exception {
    assertThat(parse("{}", "{llama: {admission: {engine: {enabled: true}}}}")).isNotNull();
  }

  @Test
  void everyKeyCanBeSet() throws Exception {
    ScrapeConfig c = parse("{engine: {enabled: true, metricsUrl: 'http://10.0.0.1:9090/m',"
        + " scrapeIntervalMs: 250, waitingMetric: w, kvUsageMetric: kv, modelLabel: model}}", null);
    assertThat(c).isEqualTo(
        new ScrapeConfig(URI.create("http://10.0.0.1:9090/m"), 250, "w", "kv", "model"));
  }

  @Test
  void aTritonQueueGaugeAloneIsEnough() throws Exception {
    ScrapeConfig c = parse("{engine: {enabled: true, waitingMetric: nv_inference_pending_request_count,"
        + " kvUsageMetric: '', modelLabel: model}}", null);
    assertThat(c.kvUsageMetric()).isEmpty();
    assertThat(c.waitingMetric()).isEqualTo("nv_inference_pending_request_count");
  }

  @Test
  void badValuesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> parse("{engine: {enabled: true, scrapeIntervalMs: 0}}", null))
        .hasMessage("admission.engine.scrapeIntervalMs: 0 (expected: >= 1)");
    assertThatThrownBy(() -> parse("{engine: {enabled: true, scrapeIntervalMs: fast}}", null))
        .hasMessageStartingWith("admission.engine.scrapeIntervalMs: \"fast\"");
    assertThatThrownBy(() -> parse("{engine: {enabled: true, metricsUrl: 'ftp://x/m'}}", null))
        .hasMessage("admission.engine.metricsUrl: 'ftp://x/m' (expected: an http(s) URL with a host)");
    assertThatThrownBy(() -> parse("{engine: {enabled: true, waitingMetric: 'a{b'}}", null))
        .hasMessage("admission.engine.waitingMetric: 'a{b' (expected: a metric name, or '' for none)");
    assertThatThrownBy(() -> parse("{engine: {enabled: true, waitingMetric: '', kvUsageMetric: ''}}", null))
        .hasMessage("admission.engine.waitingMetric/kvUsageMetric: both empty"
            + " (expected: at least one gauge to read)");
    assertThatThrownBy(() -> parse("{engine: {enabled: true, modelLabel: ''}}", null))
        .hasMessage("admission.engine.modelLabel: '' (expected: a label name)");
    assertThatThrownBy(() -> parse("{engine: {enabled: true, kvUsageMetric: 3}}", null))
        .hasMessage("admission.engine.kvUsageMetric: 3 (expected: a string)");
  }

  @Test
  void scraperKeysBelongToTheGlobalSectionOnly() {
    assertThatThrownBy(() ->
        parse("{}", "{llama: {admission: {engine: {enabled: true, scrapeIntervalMs: 50}}}}"))
        .hasMessageStartingWith("models.llama.admission.engine.scrapeIntervalMs: unknown key");
  }
}
