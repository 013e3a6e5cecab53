package ai.aim.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.aim.proxy.config.ConfigException;
import ai.aim.proxy.config.ConfigLoader;
import ai.aim.proxy.config.ListenerTls;
import ai.aim.proxy.config.ProxyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code tls} section and the certificate files: each mistake is refused with a clear message. */
class ServerTlsTest {

  @TempDir Path dir;
  private TestCertificates pki;

  @BeforeEach
  void pki() throws Exception {
    pki = TestCertificates.create(dir.resolve("pki"));
  }

  private static ProxyConfig parse(String tls) throws ConfigException {
    return ConfigLoader.parse("tls: " + tls + "\n", Map.of());
  }

  @Test
  void withoutATlsSectionTheListenersArePlain() throws Exception {
    assertThat(ConfigLoader.parse("http: {port: 0}\n", Map.of()).tls()).isNull();
    assertThat(parse("{}").tls()).isNull();
  }

  @Test
  void aValidSectionGivesContextsForBothListeners() throws Exception {
    ProxyConfig c = parse("{certChain: '" + pki.serverCert + "', privateKey: '" + pki.serverKey
        + "', clientCa: '" + pki.caCert + "'}");

    assertThat(c.tls().mutual()).isTrue();
    assertThat(ServerTls.http(c.tls()).isServer()).isTrue();
    assertThat(ServerTls.grpc(c.tls()).applicationProtocolNegotiator().protocols()).contains("h2");
    assertThat(ServerTls.http(c.tls()).applicationProtocolNegotiator().protocols())
        .containsExactly("h2", "http/1.1");
  }

  @Test
  void theFlagsSetTheSameKeys() throws Exception {
    ProxyConfig c = ConfigLoader.parse("", Map.of(
        "tls.certChain", pki.serverCert.toString(), "tls.privateKey", pki.serverKey.toString()));
    assertThat(c.tls()).isEqualTo(new ListenerTls(pki.serverCert, pki.serverKey, null));
  }

  @Test
  void aMissingFileIsNamed() {
    assertThatThrownBy(() -> parse("{certChain: '" + dir.resolve("absent.crt") + "', privateKey: '"
            + pki.serverKey + "'}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.certChain")
        .hasMessageContaining("absent.crt")
        .hasMessageContaining("expected: an existing PEM file");
  }

  @Test
  void aCertificateWithoutAKeyIsRefused() {
    assertThatThrownBy(() -> parse("{certChain: '" + pki.serverCert + "'}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("privateKey missing");
    assertThatThrownBy(() -> parse("{clientCa: '" + pki.caCert + "'}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.clientCa");
    assertThatThrownBy(() -> parse("{certChain: '" + pki.serverCert + "', key: x}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("key");
  }

  @Test
  void aFileThatIsNoCertificateIsRefused() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.crt"), "not a certificate\n");
    ListenerTls tls = new ListenerTls(junk, pki.serverKey, null);

    assertThatThrownBy(() -> ServerTls.http(tls))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.certChain")
        .hasMessageContaining("junk.crt");
  }

  @Test
  void aTraditionalKeyFormatIsRefusedWithTheConversion() throws Exception {
    Path sec1 = pki.writeServerKeyAsSec1(dir.resolve("sec1.key"));
    ListenerTls tls = new ListenerTls(pki.serverCert, sec1, null);

    assertThatThrownBy(() -> ServerTls.http(tls))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.privateKey")
        .hasMessageContaining("openssl pkcs8 -topk8 -nocrypt");
  }

  @Test
  void aKeyOfAnotherCertificateIsRefused() {
    ListenerTls tls = new ListenerTls(pki.serverCert, pki.clientKey, null);

    assertThatThrownBy(() -> ServerTls.grpc(tls))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("does not belong to the first certificate");
  }

  @Test
  void aClientCaThatIsNoCertificateIsRefused() throws Exception {
    ListenerTls tls = new ListenerTls(pki.serverCert, pki.serverKey, pki.clientKey);

    assertThatThrownBy(() -> ServerTls.http(tls))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.clientCa");
  }
}
