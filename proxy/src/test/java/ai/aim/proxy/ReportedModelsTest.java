package ai.aim.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReportedModelsTest {

  @Test
  void anInjectedSidecarWithoutModelSectionsReportsThePodsModel() {
    assertThat(Sidecar.reportedModels(Set.of(), Map.of("AIM_MODEL", "llama-70b")))
        .containsExactly("llama-70b");
  }

  @Test
  void configuredModelsAndThePodsModelAreReportedOnceEach() {
    assertThat(Sidecar.reportedModels(Set.of("resnet", "llama"), Map.of("AIM_MODEL", " llama ")))
        .containsExactly("llama", "resnet");
  }

  @Test
  void aBlankOrMissingVariableAddsNothing() {
    assertThat(Sidecar.reportedModels(Set.of("resnet"), Map.of("AIM_MODEL", "  "))).containsExactly("resnet");
    assertThat(Sidecar.reportedModels(Set.of("resnet"), Map.of())).containsExactly("resnet");
  }
}
