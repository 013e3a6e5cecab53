package ai.aim.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.admission.AdmissionConfig;
import ai.aim.proxy.admission.AdmissionConfigParser;
import ai.aim.proxy.propagation.PropagationConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class OvercommitWarningTest {
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void warnsOnlyForModelsThatOvercommitHighWithoutTellingTheEngine() throws Exception {
    JsonNode root = YAML.readTree("""
        admission:
          maxInflight: 8
        models:
          told:
            admission: {highOvercommit: 4}
            propagation: {enabled: true}
          untold:
            admission: {highOvercommit: 4}
          plain:
            propagation: {enabled: true}
        """);
    AdmissionConfig admission =
        AdmissionConfigParser.parse(root.get("admission"), root.get("models"));
    PropagationConfig propagation = PropagationConfig.parse(root.get("models"));

    List<String> warnings = Sidecar.overcommitWithoutPropagation(
        admission, propagation, Set.of("told", "untold", "plain"));

    assertThat(warnings).hasSize(1);
    assertThat(warnings.get(0))
        .startsWith("model untold: highOvercommit is 4 but priority propagation is off")
        .contains("models.untold.propagation.enabled");
  }
}
