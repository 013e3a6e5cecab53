package ai.aim.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.admission.AdmissionConfigParser;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.Map;

/**
 * Fuzzes the YAML configuration: the loader and the admission section's parser. Any text is
 * either a configuration or one {@link ConfigException} (resp. {@link IllegalArgumentException})
 * with a message; no other exception, no hang.
 *
 * <p>{@code ./mvnw verify} replays the inputs under {@code src/test/resources} (regression mode);
 * to fuzz: {@code JAZZER_FUZZ=1 ./mvnw -pl proxy test -Dtest=ConfigFuzzTest -Djazzer.max_duration=5m}
 * (one method at a time when fuzzing: add {@code #methodName} to {@code -Dtest}).
 */
class ConfigFuzzTest {

  @FuzzTest(maxDuration = "2m")
  void anyYamlIsAConfigOrAConfigException(FuzzedDataProvider data) {
    String yaml = data.consumeRemainingAsString();
    try {
      ProxyConfig c = ConfigLoader.parse(yaml, Map.of());
      assertThat(c.http().port()).isBetween(0, 65535);
      assertThat(c.admin().port()).isBetween(0, 65535);
      assertThat(c.drainTimeout().isNegative()).isFalse();
    } catch (ConfigException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }

  @FuzzTest(maxDuration = "2m")
  void anyAdmissionSectionIsAPolicyOrAnIllegalArgument(FuzzedDataProvider data) {
    JsonNode root;
    try {
      root = new YAMLMapper().readTree(data.consumeRemainingAsString());
    } catch (JacksonException notYaml) {
      return; // the loader reports this one; the parser is given trees only
    }
    if (root == null || !root.isObject()) {
      return;
    }
    try {
      assertThat(AdmissionConfigParser.parseRoot(root)).isNotNull();
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
    }
  }
}
