package ai.aim.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

  @Test
  void anEmptyConfigIsTheDefaults() throws Exception {
    assertThat(ConfigLoader.parse("", Map.of())).isEqualTo(ProxyConfig.defaults());
  }

  @Test
  void readsEveryKnownSectionAndKeepsOtherSectionsRaw() throws Exception {
    ProxyConfig c = ConfigLoader.parse("""
        http:
          port: 18080
          maxBodySize: 64MiB
          maxHeaderSize: 32KiB
          idleTimeout: 2m
          defaultModel: llama
        upstream:
          http: http://127.0.0.1:9000
          protocol: h2c
          responseTimeout: 500ms
        admin:
          bind: 127.0.0.1
          readinessPath: /health
        drainTimeout: 10s
        models:
          llama: {priority: high}
          resnet: {}
        admission:
          maxInflight: 8
          anything: [1, 2]
        """, Map.of());
    assertThat(c.http().port()).isEqualTo(18080);
    assertThat(c.http().maxBodySize()).isEqualTo(64L * 1024 * 1024);
    assertThat(c.http().maxHeaderSize()).isEqualTo(32 * 1024);
    assertThat(c.http().idleTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.upstream().http()).isEqualTo(URI.create("http://127.0.0.1:9000"));
    assertThat(c.upstream().protocol()).isEqualTo(UpstreamProtocol.H2C);
    assertThat(c.upstream().responseTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.admin().bind()).isEqualTo("127.0.0.1");
    assertThat(c.admin().readinessPath()).isEqualTo("/health");
    assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.maxInflight()).isEqualTo(8);
    assertThat(c.modelNames()).containsExactlyInAnyOrder("llama", "resnet");
    assertThat(c.admission().get("anything").size()).isEqualTo(2);
    assertThat(c.slo().isMissingNode()).isTrue();
  }

  @Test
  void theMaxInflightFlagLandsInTheAdmissionSection() throws Exception {
    ProxyConfig c = ConfigLoader.parse("admission:\n  ringSize: 1024\n", Map.of("admission.maxInflight", 4));
    assertThat(c.maxInflight()).isEqualTo(4);
    assertThat(c.admission().get("maxInflight").asInt()).isEqualTo(4);
    assertThat(c.admission().get("ringSize").asInt()).isEqualTo(1024);
  }

  @Test
  void theSchedulerIsAnAddressOrAMappingWithOneAndTheFlagWins() throws Exception {
    assertThat(ConfigLoader.parse("scheduler: 'sched:7000'\n", Map.of()).scheduler())
        .isEqualTo("sched:7000");
    assertThat(ConfigLoader.parse("scheduler: {address: 'sched:7001'}\n", Map.of()).scheduler())
        .isEqualTo("sched:7001");
    assertThat(ConfigLoader.parse("scheduler: {address: 'sched:7001'}\n",
        Map.of("scheduler", "other:1")).scheduler()).isEqualTo("other:1");
    assertThat(ConfigLoader.parse("", Map.of()).scheduler()).isNull();
    assertThatThrownBy(() -> ConfigLoader.parse("scheduler: {adress: 'sched:7001'}\n", Map.of()))
        .hasMessageStartingWith("unknown key 'scheduler.adress'");
    assertThatThrownBy(() -> ConfigLoader.parse("scheduler: {address: 'sched'}\n", Map.of()))
        .hasMessageStartingWith("scheduler.address: ");
  }

  @Test
  void schedulerTlsNamesExistingFilesAndBothHalvesOfAClientCertificate(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path ca = java.nio.file.Files.writeString(dir.resolve("ca.crt"), "x");
    java.nio.file.Path crt = java.nio.file.Files.writeString(dir.resolve("c.crt"), "x");
    java.nio.file.Path key = java.nio.file.Files.writeString(dir.resolve("c.key"), "x");
    assertThat(ConfigLoader.parse("scheduler: 'sched:7000'\n", Map.of()).schedulerTls()).isNull();
    ProxyConfig c = ConfigLoader.parse("scheduler: {address: 'sched:7000', tls: {certChain: '" + crt
        + "', privateKey: '" + key + "', trustCa: '" + ca + "'}}\n", Map.of());
    assertThat(c.schedulerTls().certChain()).isEqualTo(crt);
    assertThat(c.schedulerTls().privateKey()).isEqualTo(key);
    assertThat(c.schedulerTls().trustCa()).isEqualTo(ca);
    assertThat(ConfigLoader.parse("scheduler: {address: 'sched:7000', tls: {trustCa: '" + ca + "'}}\n",
        Map.of()).schedulerTls().certChain()).isNull();
    assertThatThrownBy(() -> ConfigLoader.parse(
        "scheduler: {address: 'sched:7000', tls: {certChain: '" + crt + "'}}\n", Map.of()))
        .hasMessage("scheduler.tls: privateKey missing (expected: certChain and privateKey both set, or neither)");
    assertThatThrownBy(() -> ConfigLoader.parse(
        "scheduler: {address: 'sched:7000', tls: {trustCa: '" + dir.resolve("nope.crt") + "'}}\n", Map.of()))
        .hasMessageStartingWith("scheduler.tls.trustCa: ").hasMessageEndingWith("(expected: an existing PEM file)");
    assertThatThrownBy(() -> ConfigLoader.parse(
        "scheduler: {address: 'sched:7000', tls: {ca: 'x'}}\n", Map.of()))
        .hasMessageStartingWith("unknown key 'scheduler.tls.ca'");
  }

  @Test
  void flagsOverrideTheFile() throws Exception {
    ProxyConfig c = ConfigLoader.parse("http:\n  port: 1\n", Map.of("http.port", 2, "drainTimeout", "5s"));
    assertThat(c.http().port()).isEqualTo(2);
    assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void unknownKeysAndBadValuesNameTheKeyAndWhatWasExpected() {
    assertThatThrownBy(() -> ConfigLoader.parse("http:\n  prot: 1\n", Map.of()))
        .hasMessageStartingWith("unknown key 'http.prot' (expected one of: bind, defaultModel,");
    assertThatThrownBy(() -> ConfigLoader.parse("colour: red\n", Map.of()))
        .hasMessageStartingWith("unknown key 'colour'");
    assertThatThrownBy(() -> ConfigLoader.parse("http:\n  port: 70000\n", Map.of()))
        .hasMessage("http.port: 70000 (expected: a whole number from 0 to 65535)");
    assertThatThrownBy(() -> ConfigLoader.parse("drainTimeout: 30\n", Map.of()))
        .hasMessage("drainTimeout: 30 (expected: a duration such as 500ms, 30s, 2m or 1h)");
    assertThatThrownBy(() -> ConfigLoader.parse("upstream:\n  protocol: h3\n", Map.of()))
        .hasMessage("upstream.protocol: 'h3' (expected: http1 or h2c)");
    assertThatThrownBy(() -> ConfigLoader.parse("upstream:\n  http: https://x/y\n", Map.of()))
        .hasMessageStartingWith("upstream.http: 'https://x/y' (expected: a URL");
    assertThatThrownBy(() -> ConfigLoader.parse("http:\n  maxBodySize: lots\n", Map.of()))
        .hasMessageStartingWith("http.maxBodySize: 'lots' (expected: a size");
    assertThatThrownBy(() -> ConfigLoader.parse("gpuSource: magic\n", Map.of()))
        .hasMessage("gpuSource: 'magic' (expected: auto, amdsmi, sysfs, simulated or none)");
    assertThatThrownBy(() -> ConfigLoader.parse("- a\n- b\n", Map.of()))
        .hasMessageContaining("expected a mapping");
  }
}
