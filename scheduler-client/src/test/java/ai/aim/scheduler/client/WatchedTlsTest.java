package ai.aim.scheduler.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Managers that follow their files: two self-signed EC pairs (test resources) swapped in place. */
class WatchedTlsTest {
    @TempDir
    Path dir;

    Path copy(String resource, String name) throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/tls/" + resource)) {
            Path p = dir.resolve(name);
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        }
    }

    static String subject(X509Certificate[] chain) {
        return chain[0].getSubjectX500Principal().getName();
    }

    /** The key manager presents {@code subject} within 10 s. */
    static void comesToServe(X509ExtendedKeyManager km, String subject) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(subject(km.getCertificateChain("default"))).isEqualTo(subject));
    }

    /** The key manager presents {@code subject} throughout 300 ms of checks. */
    static void keepsServing(X509ExtendedKeyManager km, String subject) {
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(subject(km.getCertificateChain("default"))).isEqualTo(subject));
    }

    @Test
    void aKeyManagerServesTheRenewedPairAndKeepsItsPairWhenTheFilesBreak() throws Exception {
        Path cert = copy("a.crt", "tls.crt");
        Path key = copy("a.key", "tls.key");
        try (WatchedTls tls = new WatchedTls(Duration.ofMillis(50))) {
            X509ExtendedKeyManager km = tls.keyManager(cert, key);
            assertThat(subject(km.getCertificateChain("default"))).isEqualTo("CN=aim-test-a");

            copy("b.key", "tls.key");
            copy("b.crt", "tls.crt");
            comesToServe(km, "CN=aim-test-b");

            // A half-written certificate: the previous pair stays.
            Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nMIIB");
            keepsServing(km, "CN=aim-test-b");
            copy("a.key", "tls.key");
            copy("a.crt", "tls.crt");
            comesToServe(km, "CN=aim-test-a");
        }
    }

    @Test
    void aTrustManagerFollowsItsCaFile() throws Exception {
        Path ca = copy("a.crt", "ca.crt");
        try (WatchedTls tls = new WatchedTls(Duration.ofMillis(50))) {
            X509ExtendedTrustManager tm = tls.trustManager(ca, false);
            assertThat(subject(tm.getAcceptedIssuers())).isEqualTo("CN=aim-test-a");
            copy("b.crt", "ca.crt");
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(subject(tm.getAcceptedIssuers())).isEqualTo("CN=aim-test-b"));
        }
    }

    @Test
    void filesThatDoNotLoadAtFirstAreAnError() throws Exception {
        Path key = copy("a.key", "tls.key");
        Path missing = dir.resolve("missing.crt");
        Path garbage = Files.writeString(dir.resolve("garbage.crt"), "not a certificate");
        try (WatchedTls tls = new WatchedTls(Duration.ofMillis(50))) {
            assertThatThrownBy(() -> tls.keyManager(missing, key)).isInstanceOf(java.io.IOException.class);
            assertThatThrownBy(() -> tls.trustManager(missing, true)).isInstanceOf(java.io.IOException.class);
            assertThatThrownBy(() -> tls.keyManager(garbage, key)).isInstanceOfAny(
                    java.io.IOException.class, java.security.GeneralSecurityException.class);
            Path otherKey = copy("b.key", "other.key");
            Path cert = copy("a.crt", "a.crt");
            assertThatThrownBy(() -> tls.keyManager(cert, otherKey))
                    .isInstanceOf(java.security.GeneralSecurityException.class)
                    .hasMessageContaining("does not belong");
        }
    }

    @Test
    void aRenewedKeyThatDoesNotMatchItsCertificateKeepsThePreviousPair() throws Exception {
        Path cert = copy("a.crt", "tls.crt");
        Path key = copy("a.key", "tls.key");
        try (WatchedTls tls = new WatchedTls(Duration.ofMillis(50))) {
            X509ExtendedKeyManager km = tls.keyManager(cert, key);
            copy("b.crt", "tls.crt"); // the key is not renewed (yet)
            keepsServing(km, "CN=aim-test-a");
            copy("b.key", "tls.key");
            comesToServe(km, "CN=aim-test-b");
        }
    }
}
