package ai.aim.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.Sidecar;
import ai.aim.proxy.admission.AdmissionConfig;
import ai.aim.proxy.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A configuration file replaced by an invalid one: the reload is refused and counted, the running
 * policy stays, and the sidecar keeps serving; a valid file afterwards is applied.
 */
class InvalidReloadTest {

  @TempDir Path dir;

  private static String config(String upstream, String admission) {
    return "http: {bind: 127.0.0.1, port: 0}\n"
        + "grpc: {bind: 127.0.0.1, port: 0}\n"
        + "admin: {bind: 127.0.0.1, port: 0}\n"
        + "upstream: {http: '" + upstream + "'}\n"
        + "gpuSource: none\n"
        + "drainTimeout: 2s\n"
        + admission
        + "models:\n  m: {}\n";
  }

  @Test
  void anInvalidFileIsRefusedAndTheSidecarKeepsServingWithItsRunningPolicy() throws Exception {
    try (ScriptedUpstream upstream = new ScriptedUpstream()) {
      Path file = dir.resolve("aim.yaml");
      Files.writeString(file, config(upstream.url(), "admission: {maxInflight: 8}\n"));
      Sidecar sidecar = Sidecar.start(() -> ConfigLoader.load(file, Map.of()), null, null, null, System::nanoTime);
      try {
        AdmissionConfig running = sidecar.controller().config();
        assertThat(FaultMatrixTest.normalRequest(sidecar.server())).startsWith("HTTP/1.1 200");

        for (String bad : new String[] {
            "http: [\n",                                              // not YAML
            config(upstream.url(), "admission: {maxInflight: -3}\n"), // invalid value
            config(upstream.url(), "admission: {maxInflite: 3}\n"),   // unknown key
            "",                                                       // emptied
        }) {
          Files.writeString(file, bad);
          assertThat(sidecar.reload()).as("reload of %s", bad).isFalse();
          assertThat(sidecar.controller().config()).isSameAs(running);
          assertThat(FaultMatrixTest.normalRequest(sidecar.server())).startsWith("HTTP/1.1 200");
        }
        assertThat(sidecar.registry().scrape()).contains("aim_config_reloads_total{result=\"failure\"} 4.0");

        Files.writeString(file, config(upstream.url(), "admission: {maxInflight: 3}\n"));
        assertThat(sidecar.reload()).isTrue();
        assertThat(sidecar.controller().config()).isNotSameAs(running);
        assertThat(FaultMatrixTest.normalRequest(sidecar.server())).startsWith("HTTP/1.1 200");
      } finally {
        sidecar.close();
      }
    }
  }
}
