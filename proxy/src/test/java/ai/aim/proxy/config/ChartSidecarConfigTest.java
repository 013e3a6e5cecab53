package ai.aim.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.admission.AdmissionConfig;
import ai.aim.proxy.admission.AdmissionConfigParser;
import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.slo.SloConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart renders {@code sidecar.config} of its values verbatim into the starting-point
 * sidecar config (ConfigMap {@code <release>-aim-sidecar}); it must be a config this sidecar
 * starts with, through the same parsers as at start-up.
 */
class ChartSidecarConfigTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void theChartsStartingPointSidecarConfigIsAcceptedByTheSidecar() throws Exception {
    // Tests run in the module directory; the chart sits beside it in the repository.
    Path values = Path.of("..", "deploy", "helm", "aim", "values.yaml");
    assertThat(values).exists();
    JsonNode config = YAML.readTree(Files.readString(values)).path("sidecar").path("config");
    assertThat(config.isObject()).isTrue();

    ProxyConfig cfg = ConfigLoader.parse(YAML.writeValueAsString(config), Map.of());
    AdmissionConfig admission = AdmissionConfigParser.parse(cfg.admission(), cfg.models());
    SloConfig slo = SloConfig.parse(cfg.slo());

    assertThat(admission.defaults().limit().maxInflight())
        .isEqualTo(config.path("admission").path("maxInflight").asInt());
    assertThat(admission.defaults().priority(Priority.HIGH).maxQueue())
        .isEqualTo(config.path("admission").path("priorities").path("high").path("maxQueue").asInt());
    assertThat(slo.objective("any-model", Priority.LOW).availability())
        .isEqualTo(config.path("slo").path("defaults").path("low").path("availability").asDouble());
  }
}
