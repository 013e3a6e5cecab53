package ai.aim.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.config.ListenerTls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.cert.X509Certificate;
import java.time.Instant;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReloadingCredentialsTest {
  @TempDir Path dir;

  private static X509Certificate serving(ReloadingCredentials c) {
    X509ExtendedKeyManager km = c.keyManager();
    String alias = km.chooseEngineServerAlias("EC", null, null);
    assertThat(alias).isNotNull();
    assertThat(km.getPrivateKey(alias)).isNotNull();
    return km.getCertificateChain(alias)[0];
  }

  /** Copies a file over another and moves its modification time on, as a secret update does. */
  private static void replace(Path from, Path to, int secondsLater) throws Exception {
    Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(to, FileTime.from(Instant.now().plusSeconds(secondsLater)));
  }

  @Test
  void changedFilesAreServedAfterAReloadAndBrokenOnesAreNot() throws Exception {
    TestCertificates first = TestCertificates.create(dir.resolve("first"));
    TestCertificates second = TestCertificates.other(dir.resolve("second"));
    ReloadingCredentials c =
        new ReloadingCredentials(new ListenerTls(first.serverCert, first.serverKey, first.caCert));
    X509Certificate before = serving(c);
    assertThat(before.getIssuerX500Principal().getName()).isEqualTo("CN=aim-test-ca");
    assertThat(c.reloadIfChanged()).as("nothing changed").isFalse();

    // The certificate is written first: it does not match the old key, so nothing is taken yet.
    replace(second.serverCert, first.serverCert, 5);
    assertThat(c.reloadIfChanged()).isFalse();
    assertThat(c.failures()).isEqualTo(1);
    assertThat(serving(c)).isEqualTo(before);

    // Then the key: the pair is complete and is served from now on.
    replace(second.serverKey, first.serverKey, 6);
    assertThat(c.reloadIfChanged()).isTrue();
    assertThat(c.reloads()).isEqualTo(1);
    X509Certificate after = serving(c);
    assertThat(after.getIssuerX500Principal().getName()).isEqualTo("CN=aim-other-ca");
    assertThat(c.reloadIfChanged()).isFalse();

    // A key file that is not a key keeps the current pair.
    Files.writeString(first.serverKey, "not a key");
    Files.setLastModifiedTime(first.serverKey, FileTime.from(Instant.now().plusSeconds(7)));
    assertThat(c.reloadIfChanged()).isFalse();
    assertThat(c.failures()).isEqualTo(2);
    assertThat(serving(c)).isEqualTo(after);
  }

  @Test
  void aRotatedClientCaDecidesWhichClientsAreTrusted() throws Exception {
    TestCertificates first = TestCertificates.create(dir.resolve("first"));
    TestCertificates second = TestCertificates.other(dir.resolve("second"));
    Path ca = Files.copy(first.caCert, dir.resolve("client-ca.crt"));
    ReloadingCredentials c =
        new ReloadingCredentials(new ListenerTls(first.serverCert, first.serverKey, ca));
    assertThat(c.trustManager().getAcceptedIssuers()).extracting(x -> x.getSubjectX500Principal().getName())
        .containsExactly("CN=aim-test-ca");
    replace(second.caCert, ca, 5);
    assertThat(c.reloadIfChanged()).isTrue();
    assertThat(c.trustManager().getAcceptedIssuers()).extracting(x -> x.getSubjectX500Principal().getName())
        .containsExactly("CN=aim-other-ca");
  }
}
