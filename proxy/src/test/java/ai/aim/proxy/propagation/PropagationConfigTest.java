package ai.aim.proxy.propagation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.aim.proxy.admission.Priority;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

class PropagationConfigTest {

  private static JsonNode yaml(String s) throws Exception {
    return new YAMLMapper().readTree(s);
  }

  @Test
  void isOffForModelsWithoutASectionAndUnknownModels() throws Exception {
    PropagationConfig c = PropagationConfig.parse(yaml("llama: {slo: {}}\n"));
    assertThat(c.policyFor("llama").enabled()).isFalse();
    assertThat(c.policyFor("other")).isEqualTo(PropagationPolicy.OFF);
    assertThat(PropagationConfig.parse(null).policyFor("x").enabled()).isFalse();
  }

  @Test
  void readsTheSwitchTheBoundAndBothMappingsWithDefaultsForWhatIsLeftOut() throws Exception {
    PropagationConfig c = PropagationConfig.parse(yaml(
        "llama:\n  propagation: {enabled: true, maxBodyBytes: 1024, openai: {low: 9}, kserve: {high: 4}}\n"));
    PropagationPolicy p = c.policyFor("llama");
    assertThat(p.enabled()).isTrue();
    assertThat(p.maxBodyBytes()).isEqualTo(1024);
    assertThat(p.openAi()).isEqualTo(new PriorityNumbers(0, 1, 9));
    assertThat(p.kserve()).isEqualTo(new PriorityNumbers(4, 2, 3));
    assertThat(p.openAi().of(Priority.LOW)).isEqualTo(9);
  }

  @Test
  void theDefaultsAreVllmsAndTritonsConventions() throws Exception {
    PropagationPolicy p = PropagationConfig.parse(yaml("m: {propagation: {enabled: true}}\n")).policyFor("m");
    assertThat(p.maxBodyBytes()).isEqualTo(64 * 1024);
    assertThat(p.openAi()).isEqualTo(new PriorityNumbers(0, 1, 2));
    assertThat(p.kserve()).isEqualTo(new PriorityNumbers(1, 2, 3));
  }

  @Test
  void invalidValuesNameTheKeyAndWhatWasExpected() {
    assertThatThrownBy(() -> PropagationConfig.parse(yaml("m: {propagation: {enabled: yes please}}\n")))
        .hasMessage("models.m.propagation.enabled: \"yes please\" (expected: true or false)");
    assertThatThrownBy(() -> PropagationConfig.parse(yaml("m: {propagation: {maxBodyBytes: -1}}\n")))
        .hasMessage("models.m.propagation.maxBodyBytes: -1 (expected: a whole number of bytes >= 0)");
    assertThatThrownBy(() -> PropagationConfig.parse(yaml("m: {propagation: {openai: {urgent: 0}}}\n")))
        .hasMessageStartingWith("models.m.propagation.openai.urgent: unknown key");
    assertThatThrownBy(() -> PropagationConfig.parse(yaml("m: {propagation: {kserve: {low: 1.5}}}\n")))
        .hasMessage("models.m.propagation.kserve.low: 1.5 (expected: an integer)");
    assertThatThrownBy(() -> PropagationConfig.parse(yaml("m: {propagation: {enable: true}}\n")))
        .hasMessageStartingWith("models.m.propagation.enable: unknown key");
  }
}
