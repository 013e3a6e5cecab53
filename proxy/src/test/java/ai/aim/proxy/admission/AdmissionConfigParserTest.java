package ai.aim.proxy.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

class AdmissionConfigParserTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static AdmissionConfig parse(String yaml) throws Exception {
    JsonNode root = YAML.readTree(yaml);
    return AdmissionConfigParser.parseRoot(root);
  }

  @Test
  void readsTheDocumentedExample() throws Exception {
    AdmissionConfig c =
        parse(
            """
            admission:
              tickMs: 5
              maxInflight: 32
              scheduling: aging
              agingMs: 1500
              reservedHighShare: 0.2
              priorities:
                high: {maxQueue: 2048, maxQueueWaitMs: 20000}
                low: {maxQueue: 256, maxQueueWaitMs: 2000, maxInflightShare: 0.5}
              serviceTime: {initialMs: 200, alpha: 0.1}
              tenants:
                maxTenants: 16
                weights: {gold: 4}
              engine: {enabled: true, kvHighWatermark: 0.85, staleAfterMs: 3000}
            models:
              llama-3-8b:
                defaultPriority: high
                slo: {latencyMs: 800}
                admission:
                  limit: {mode: adaptive, maxInflight: 16, minLimit: 4, maxLimit: 64}
                  scheduling: weighted
                  shedWhileHigherOverflows: false
                  highOvercommit: 8
                  highOvercommitAfterMs: 15
            """);
    assertThat(c.tickMillis()).isEqualTo(5);
    ModelPolicy d = c.defaults();
    assertThat(d.limit().maxInflight()).isEqualTo(32);
    assertThat(d.limit().mode()).isEqualTo(LimitPolicy.Mode.STATIC);
    assertThat(d.scheduling()).isEqualTo(SchedulingMode.AGING);
    assertThat(d.agingMillis()).isEqualTo(1500);
    assertThat(d.reservedHighShare()).isEqualTo(0.2);
    assertThat(d.priority(Priority.HIGH).maxQueue()).isEqualTo(2048);
    assertThat(d.priority(Priority.MEDIUM)).isEqualTo(PriorityPolicy.defaults(Priority.MEDIUM));
    assertThat(d.priority(Priority.LOW).maxInflightShare()).isEqualTo(0.5);
    assertThat(d.initialServiceTimeMillis()).isEqualTo(200);
    assertThat(d.tenants().weightOf("gold")).isEqualTo(4);
    assertThat(d.tenants().weightOf("other")).isEqualTo(1);
    assertThat(d.engine().enabled()).isTrue();
    assertThat(d.engine().kvHighWatermark()).isEqualTo(0.85);
    ModelPolicy llama = c.policyFor("llama-3-8b");
    assertThat(llama.defaultPriority()).isEqualTo(Priority.HIGH);
    assertThat(llama.limit().mode()).isEqualTo(LimitPolicy.Mode.ADAPTIVE);
    assertThat(llama.limit().maxLimit()).isEqualTo(64);
    assertThat(llama.scheduling()).isEqualTo(SchedulingMode.WEIGHTED);
    assertThat(llama.reservedHighShare()).isEqualTo(0.2); // inherited
    assertThat(d.shedWhileHigherOverflows()).isTrue();
    assertThat(llama.shedWhileHigherOverflows()).isFalse();
    assertThat(d.highOvercommit()).isZero();
    assertThat(llama.highOvercommit()).isEqualTo(8);
    assertThat(d.highOvercommitAfterMillis()).isZero();
    assertThat(llama.highOvercommitAfterMillis()).isEqualTo(15);
    assertThat(c.policyFor("unknown")).isEqualTo(d);
  }

  @Test
  void missingSectionsGiveTheBuiltInDefaults() throws Exception {
    assertThat(parse("other: 1")).isEqualTo(AdmissionConfig.defaultConfig());
  }

  @Test
  void namesTheKeyAndWhatWasExpected() {
    assertThatThrownBy(() -> parse("admission: {priorities: {low: {maxQueue: -1}}}"))
        .hasMessage("admission.priorities.low.maxQueue: -1 (expected: >= 0)");
    assertThatThrownBy(() -> parse("admission: {scheduling: fifo}"))
        .hasMessage("admission.scheduling: \"fifo\" (expected: strict, aging or weighted)");
    assertThatThrownBy(() -> parse("admission: {maxInflight: many}"))
        .hasMessage("admission.maxInflight: \"many\" (expected: an integer)");
    assertThatThrownBy(() -> parse("admission: {reservedHighShare: 1.5}"))
        .hasMessage("admission.reservedHighShare: 1.5 (expected: between 0.0 and 0.9)");
    assertThatThrownBy(() -> parse("admission: {highOvercommit: -1}"))
        .hasMessage("admission.highOvercommit: -1 (expected: >= 0)");
    assertThatThrownBy(() -> parse("admission: {highOvercommitAfterMs: -5}"))
        .hasMessage("admission.highOvercommitAfterMs: -5 (expected: >= 0)");
    assertThatThrownBy(() -> parse("models: {m: {admission: {maxInflite: 3}}}"))
        .hasMessageStartingWith("models.m.admission.maxInflite: unknown key (expected one of:");
    assertThatThrownBy(() -> parse("models: {m: {defaultPriority: urgent}}"))
        .hasMessage("models.m.defaultPriority: \"urgent\" (expected: high, medium or low)");
    assertThatThrownBy(
            () -> parse("admission: {limit: {mode: adaptive, maxInflight: 200, maxLimit: 100}}"))
        .hasMessage(
            "admission.limit.maxInflight: 200 (expected: between minLimit 1 and maxLimit 100 in"
                + " adaptive mode)");
    assertThatThrownBy(() -> parse("admission: {ringSize: 1000}"))
        .hasMessage("admission.ringSize: 1000 (expected: a power of two)");
  }
}
