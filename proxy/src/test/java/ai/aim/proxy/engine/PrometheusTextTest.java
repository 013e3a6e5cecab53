package ai.aim.proxy.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  private static final String VLLM = String.join("\n",
      "# HELP vllm:num_requests_waiting Requests waiting.",
      "# TYPE vllm:num_requests_waiting gauge",
      "vllm:num_requests_waiting{model_name=\"llama\",engine=\"0\"} 3.0",
      "vllm:num_requests_waiting{model_name=\"llama\",engine=\"1\"} 4",
      "vllm:num_requests_waiting{model_name=\"mistral\"} 100.0",
      "vllm:num_requests_waiting_total{model_name=\"llama\"} 999",
      "vllm:kv_cache_usage_perc{model_name=\"llama\"} 0.42 1700000000000",
      "vllm:kv_cache_usage_perc{model_name=\"we}ird\",x=\"a\\\"b\"} 0.5",
      "");

  @Test
  void sumsTheSeriesOfTheNamedModelOnly() {
    assertThat(PrometheusText.sum(VLLM, "vllm:num_requests_waiting", "llama")).hasValue(7.0);
    assertThat(PrometheusText.sum(VLLM, "vllm:num_requests_waiting", "mistral")).hasValue(100.0);
  }

  @Test
  void aNullModelSumsEverySeries() {
    assertThat(PrometheusText.sum(VLLM, "vllm:num_requests_waiting", null)).hasValue(107.0);
  }

  @Test
  void aLongerMetricNameWithTheSamePrefixIsNotCounted() {
    assertThat(PrometheusText.sum(VLLM, "vllm:num_requests_waiting", "llama")).hasValue(7.0);
    assertThat(PrometheusText.sum(VLLM, "vllm:num_requests_waiting_total", "llama")).hasValue(999.0);
  }

  @Test
  void aTimestampAfterTheValueIsIgnored() {
    assertThat(PrometheusText.sum(VLLM, "vllm:kv_cache_usage_perc", "llama")).hasValue(0.42);
  }

  @Test
  void quotedBracesAndEscapesInLabelValuesAreRead() {
    assertThat(PrometheusText.sum(VLLM, "vllm:kv_cache_usage_perc", "we}ird")).hasValue(0.5);
    assertThat(PrometheusText.label("a=\"x\\\"y\",model_name=\"m\"", "a")).isEqualTo("x\"y");
    assertThat(PrometheusText.label("a=\"x\\\"y\",model_name=\"m\"", "model_name")).isEqualTo("m");
  }

  @Test
  void seriesWithoutAModelLabelCountForEveryModel() {
    String text = "waiting 2\nwaiting{engine=\"1\"} 5\r\n";
    assertThat(PrometheusText.sum(text, "waiting", "llama")).hasValue(7.0);
  }

  @Test
  void anAbsentMetricOrGarbageGivesNothing() {
    assertThat(PrometheusText.sum(VLLM, "vllm:gpu_cache_usage_perc", "llama")).isEmpty();
    assertThat(PrometheusText.sum("waiting{model_name=\"llama\" 3\nwaiting abc\nwaiting NaN\n",
        "waiting", "llama")).isEmpty();
    assertThat(PrometheusText.sum("", "waiting", null)).isEmpty();
  }
}
