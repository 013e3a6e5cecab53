package ai.aim.proxy.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ai.aim.proxy.admission.Priority;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

class SloConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static JsonNode slo(String yaml) throws Exception {
    return YAML.readTree(yaml).get("slo");
  }

  @Test
  void parsesModelsAndFillsMissingFieldsFromTheDefaultsOfTheSamePriority() throws Exception {
    SloConfig c =
        SloConfig.parse(
            slo(
                """
                slo:
                  defaults:
                    low: { latency: { percentile: 90, thresholdMs: 30000 }, availability: 0.9 }
                  models:
                    llama:
                      high: { latency: { percentile: 99.5, thresholdMs: 500 }, availability: 0.9995, minThroughputRps: 5 }
                      low: { availability: 0.8 }
                  highBurn: { threshold: 10, minRequests: 50 }
                """));

    assertThat(c.objective("llama", Priority.HIGH)).isEqualTo(new SloObjective(99.5, 500, 0.9995, 5));
    assertThat(c.objective("llama", Priority.MEDIUM)).isEqualTo(new SloObjective(99, 2000, 0.99, 0));
    assertThat(c.objective("llama", Priority.LOW)).isEqualTo(new SloObjective(90, 30000, 0.8, 0));
    assertThat(c.objective("other", Priority.LOW)).isEqualTo(new SloObjective(90, 30000, 0.9, 0));
    assertThat(c.objective("other", Priority.HIGH)).isEqualTo(new SloObjective(99, 800, 0.999, 0));
    assertThat(c.highBurn()).isEqualTo(new SloConfig.BurnGuard(10, 50));
  }

  @Test
  void aMissingSectionMeansTheBuiltInDefaults() throws Exception {
    assertThat(SloConfig.parse(null)).isEqualTo(SloConfig.defaultConfig());
    assertThat(SloConfig.parse(YAML.readTree("other: 1").path("slo")))
        .isEqualTo(SloConfig.defaultConfig());
  }

  @Test
  void refusesInvalidValuesListingEveryProblemWithItsKeyAndWhatWasExpected() throws Exception {
    SloConfigException e =
        catchThrowableOfType(
            SloConfigException.class,
            () ->
                SloConfig.parse(
                    slo(
                        """
                        slo:
                          models:
                            llama:
                              high: { latency: { percentile: 100, thresholdMs: -5 }, availability: 1.5 }
                              urgent: {}
                              low: { latency: { percentile: "p99" }, minThroughputRps: -1, colour: red }
                            unknown: {}
                          highBurn: { threshold: 0 }
                          extra: true
                        """)));

    assertThat(e.problems())
        .containsExactlyInAnyOrder(
            "slo.extra: unknown key (expected one of: defaults, highBurn, models)",
            "slo.models.llama.urgent: unknown priority (expected: high, medium or low)",
            "slo.models.llama.high.latency.percentile: 100 (expected: > 0 and < 100, e.g. 99)",
            "slo.models.llama.high.latency.thresholdMs: -5 (expected: a whole number of ms in 1..1800000)",
            "slo.models.llama.high.availability: 1.5 (expected: > 0 and < 1, e.g. 0.999)",
            "slo.models.llama.low.colour: unknown key (expected one of: availability, latency, minThroughputRps)",
            "slo.models.llama.low.latency.percentile: \"p99\" (expected: a number)",
            "slo.models.llama.low.minThroughputRps: -1 (expected: >= 0)",
            "slo.models.unknown: reserved for models without their own entry (expected: set slo.defaults instead)",
            "slo.highBurn.threshold: 0 (expected: > 0)");
    assertThat(e.getMessage()).startsWith("invalid slo config: ").contains("slo.extra");
  }

  @Test
  void refusesASectionThatIsNotAMapping() {
    assertThatThrownBy(() -> SloConfig.parse(slo("slo: [1, 2]")))
        .isInstanceOf(SloConfigException.class)
        .hasMessage("invalid slo config: slo: [1,2] (expected: a mapping)");
    assertThatThrownBy(() -> SloConfig.parse(slo("slo: { models: { llama: 3 } }")))
        .isInstanceOf(SloConfigException.class)
        .hasMessage("invalid slo config: slo.models.llama: 3 (expected: a mapping)");
  }

  @Test
  void refusesAFractionalThreshold() {
    assertThatThrownBy(
            () -> SloConfig.parse(slo("slo: { defaults: { high: { latency: { thresholdMs: 0.5 } } } }")))
        .isInstanceOf(SloConfigException.class)
        .hasMessageContaining("slo.defaults.high.latency.thresholdMs: 0.5 (expected: a whole number of ms in 1..1800000)");
  }
}
