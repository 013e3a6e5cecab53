package ai.aim.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.aim.scheduler.client.SchedulerLink;
import ai.aim.scheduler.client.SidecarIdentity;
import ai.aim.scheduler.client.TlsConfig;
import ai.aim.scheduler.client.v1.LoadReport;
import ai.aim.scheduler.client.v1.ModelLoad;
import ai.aim.scheduler.client.v1.Priority;
import ai.aim.scheduler.client.v1.PriorityLoad;
import ai.aim.scheduler.config.SchedulerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar-scheduler link over TLS and mutual TLS: a real scheduler gRPC server with {@code
 * grpcTls}, real {@link SchedulerLink}s with {@link TlsConfig}, real handshakes on loopback.
 */
class SchedulerTlsTest {

    @TempDir Path dir;
    private TestPki pki;
    private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

    @BeforeEach
    void pki() throws Exception {
        pki = TestPki.create(dir.resolve("pki"), "aim-test-ca");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private SchedulerApp scheduler(boolean mutual) throws Exception {
        SchedulerConfig c = SchedulerConfig.defaults().withGrpcPort(0).withMetricsPort(0).withKubernetes("none")
                .withSchedulerId("tls-test")
                .withGrpcTls(new SchedulerConfig.GrpcTls(pki.serverCert().toString(), pki.serverKey().toString(),
                        mutual ? pki.ca().toString() : null));
        SchedulerApp app = SchedulerApp.start(c, Optional.empty(), List.of());
        toClose.add(app);
        return app;
    }

    private SchedulerLink link(SchedulerApp app, String pod, TlsConfig tls) {
        SchedulerLink.Builder b = SchedulerLink.builder("localhost:" + app.grpcPort(),
                        new SidecarIdentity(pod, "ns", List.of("llama"), "node-1", "test"))
                .reportInterval(Duration.ofMillis(50))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .reports(SchedulerTlsTest::report);
        if (tls != null) {
            b.tls(tls);
        }
        SchedulerLink link = b.build();
        toClose.add(link);
        return link.start();
    }

    private static LoadReport report() {
        return LoadReport.newBuilder().setTimestampUnixMillis(System.currentTimeMillis())
                .addModels(ModelLoad.newBuilder().setModel("llama")
                        .addPriorities(PriorityLoad.newBuilder().setPriority(Priority.PRIORITY_HIGH).setQueued(1)))
                .build();
    }

    @Test
    void aSidecarWithACertificateSignedByTheCaReportsOverMutualTls() throws Exception {
        SchedulerApp app = scheduler(true);

        SchedulerLink link = link(app, "pod-a", new TlsConfig(pki.clientCert(), pki.clientKey(), pki.ca()));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(link.connected()).isTrue();
            assertThat(app.reports().model("ns", "llama")).isPresent();
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> link.reportsSent() >= 3);
    }

    @Test
    void aSidecarWithoutACertificateIsRefusedUnderMutualTls() throws Exception {
        SchedulerApp app = scheduler(true);

        SchedulerLink noCert = link(app, "pod-b", TlsConfig.trusting(pki.ca()));
        SchedulerLink plaintext = link(app, "pod-c", null);

        await().atMost(Duration.ofSeconds(20)).until(() -> noCert.reconnects() >= 2 && plaintext.reconnects() >= 2);
        assertThat(noCert.connected()).isFalse();
        assertThat(plaintext.connected()).isFalse();
        assertThat(noCert.reportsSent() + plaintext.reportsSent()).isZero();
        assertThat(app.reports().model("ns", "llama")).isEmpty();
    }

    @Test
    void aSidecarWithACertificateOfAnotherCaIsRefused() throws Exception {
        SchedulerApp app = scheduler(true);
        TestPki other = TestPki.create(dir.resolve("other"), "aim-other-ca");

        SchedulerLink stranger = link(app, "pod-d", new TlsConfig(other.clientCert(), other.clientKey(), pki.ca()));

        await().atMost(Duration.ofSeconds(20)).until(() -> stranger.reconnects() >= 2);
        assertThat(stranger.connected()).isFalse();
        assertThat(app.reports().model("ns", "llama")).isEmpty();
    }

    @Test
    void withServerOnlyTlsASidecarTrustingTheCaConnectsWithoutACertificate() throws Exception {
        SchedulerApp app = scheduler(false);

        SchedulerLink link = link(app, "pod-e", TlsConfig.trusting(pki.ca()));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(link.connected()).isTrue();
            assertThat(app.reports().model("ns", "llama")).isPresent();
        });
    }

    /**
     * cert-manager renews the scheduler's certificate and its client CA in place: new connections
     * get the new ones without a restart, and a connection made before keeps working.
     */
    @Test
    void aRenewedCertificateAndClientCaReachNewConnectionsWithoutARestart() throws Exception {
        Path live = Files.createDirectories(dir.resolve("live"));
        Path cert = Files.copy(pki.serverCert(), live.resolve("tls.crt"));
        Path key = Files.copy(pki.serverKey(), live.resolve("tls.key"));
        Path ca = Files.copy(pki.ca(), live.resolve("ca.crt"));
        SchedulerConfig c = SchedulerConfig.defaults().withGrpcPort(0).withMetricsPort(0).withKubernetes("none")
                .withSchedulerId("tls-rotation")
                .withGrpcTls(new SchedulerConfig.GrpcTls(cert.toString(), key.toString(), ca.toString()));
        SchedulerApp app = SchedulerApp.start(c, Optional.empty(), List.of());
        toClose.add(app);
        SchedulerLink before = link(app, "pod-before", new TlsConfig(pki.clientCert(), pki.clientKey(), pki.ca()));
        await().atMost(Duration.ofSeconds(20)).until(before::connected);

        TestPki renewed = TestPki.create(dir.resolve("renewed"), "aim-renewed-ca");
        Files.copy(renewed.serverKey(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.serverCert(), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.ca(), ca, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        SchedulerLink after = link(app, "pod-after",
                new TlsConfig(renewed.clientCert(), renewed.clientKey(), renewed.ca()));
        await().atMost(Duration.ofSeconds(20)).until(after::connected);
        SchedulerLink stale = link(app, "pod-stale", new TlsConfig(pki.clientCert(), pki.clientKey(), pki.ca()));
        await().atMost(Duration.ofSeconds(20)).until(() -> stale.reconnects() >= 2);
        assertThat(stale.connected()).isFalse();
        assertThat(before.connected()).isTrue();
    }

    @Test
    void aServerKeyInSec1FormIsAccepted() throws Exception {
        // A self-signed pair made with openssl, the key converted with 'openssl ec' (SEC1).
        Path cert = dir.resolve("sec1-server.crt");
        Path key = dir.resolve("sec1-server.key");
        for (Path p : List.of(cert, key)) {
            try (java.io.InputStream in = getClass().getResourceAsStream("/tls/" + p.getFileName())) {
                Files.copy(in, p);
            }
        }
        assertThat(Files.readString(key)).startsWith("-----BEGIN EC PRIVATE KEY-----");
        SchedulerConfig c = SchedulerConfig.defaults().withGrpcPort(0).withMetricsPort(0).withKubernetes("none")
                .withSchedulerId("tls-sec1")
                .withGrpcTls(new SchedulerConfig.GrpcTls(cert.toString(), key.toString(), null));
        SchedulerApp app = SchedulerApp.start(c, Optional.empty(), List.of());
        toClose.add(app);

        SchedulerLink link = link(app, "pod-sec1", TlsConfig.trusting(cert));

        await().atMost(Duration.ofSeconds(20)).until(link::connected);
    }

    @Test
    void grpcTlsFromTheConfigFileIsReadAndMissingFilesAreNamed() throws Exception {
        Path yaml = Files.writeString(dir.resolve("scheduler.yaml"), "grpcTls:\n  certChain: " + pki.serverCert()
                + "\n  privateKey: " + pki.serverKey() + "\n  clientCa: " + pki.ca() + "\n");
        SchedulerConfig c = SchedulerConfig.load(yaml);
        assertThat(c.grpcTls().mutual()).isTrue();
        assertThat(c.grpcTls().certChain()).isEqualTo(pki.serverCert().toString());
        assertThat(SchedulerConfig.defaults().grpcTls()).isNull();

        assertThatThrownBy(() -> new SchedulerConfig.GrpcTls(dir.resolve("absent.crt").toString(),
                pki.serverKey().toString(), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grpcTls.certChain")
                .hasMessageContaining("absent.crt");
        assertThatThrownBy(() -> new SchedulerConfig.GrpcTls(pki.serverCert().toString(), null, null))
                .hasMessageContaining("privateKey missing");
        Path junk = Files.writeString(dir.resolve("junk.key"), "not a key\n");
        assertThatThrownBy(() -> new SchedulerServer(0, List.of(),
                new SchedulerConfig.GrpcTls(pki.serverCert().toString(), junk.toString(), null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("grpcTls.certChain/privateKey");
    }
}
