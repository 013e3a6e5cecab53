package ai.aim.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.config.ConfigLoader;
import ai.aim.proxy.config.ProxyConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which model a request that names none (an OpenAI-style body without x-aim-model) counts for. */
class ImpliedDefaultModelTest {

  static ProxyConfig parse(String yaml) throws Exception {
    return ConfigLoader.parse(yaml, Map.of());
  }

  @Test
  void theOnlyConfiguredModelIsTheDefault() throws Exception {
    ProxyConfig c = Sidecar.withImpliedDefaultModel(parse("models: {llama: {}}"), Map.of());
    assertThat(c.http().defaultModel()).isEqualTo("llama");
  }

  @Test
  void thePodsModelFromTheWebhookComesFirst() throws Exception {
    ProxyConfig c = Sidecar.withImpliedDefaultModel(
        parse("models: {llama: {}}"), Map.of("AIM_MODEL", " mistral "));
    assertThat(c.http().defaultModel()).isEqualTo("mistral");
    assertThat(c.modelNames()).containsExactlyInAnyOrder("llama", "mistral");
  }

  @Test
  void anExplicitDefaultModelIsKept() throws Exception {
    ProxyConfig c = Sidecar.withImpliedDefaultModel(
        parse("http: {defaultModel: resnet}\nmodels: {llama: {}}"), Map.of("AIM_MODEL", "mistral"));
    assertThat(c.http().defaultModel()).isEqualTo("resnet");
  }

  @Test
  void severalModelsAndNoHintLeaveRequestsWithoutAModelUnknown() throws Exception {
    ProxyConfig several = parse("models: {llama: {}, resnet: {}}");
    assertThat(Sidecar.withImpliedDefaultModel(several, Map.of("AIM_MODEL", "  ")))
        .isSameAs(several);
    ProxyConfig none = parse("");
    assertThat(Sidecar.withImpliedDefaultModel(none, Map.of())).isSameAs(none);
  }
}
