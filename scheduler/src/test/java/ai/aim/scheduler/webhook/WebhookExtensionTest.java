package ai.aim.scheduler.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.aim.scheduler.SchedulerContext;
import ai.aim.scheduler.config.SchedulerConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@EnableKubernetesMockClient(crud = true)
class WebhookExtensionTest {

  KubernetesClient client;

  @Test
  void servesTheWebhookWithASelfManagedCertificate() throws Exception {
    client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(new MutatingWebhookConfigurationBuilder()
        .withNewMetadata().withName("aim").endMetadata()
        .addNewWebhook().withName("sidecar-injector.aim.ai").withAdmissionReviewVersions("v1").withSideEffects("None")
        .withNewClientConfig().withNewService().withName("aim-scheduler").withNamespace("aim-system").endService()
        .endClientConfig().endWebhook().build()).create();
    int port = freePort();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    List<AutoCloseable> parts = new WebhookExtension().controllers(context(
        "{enabled: true, port: " + port + ", namespace: aim-system, secretName: aim-webhook-tls, "
            + "configurationName: aim, serviceName: aim-scheduler, sidecarImage: aim-proxy:test}", meters));
    try {
      assertThat(parts).hasSize(2);
      Secret secret = client.secrets().inNamespace("aim-system").withName("aim-webhook-tls").get();
      assertThat(secret).isNotNull();
      String ca = new String(java.util.Base64.getDecoder().decode(secret.getData().get("ca.crt")));
      CertificateBundle stored = new CertificateBundle(ca, "", "");
      try (SSLSocket socket = (SSLSocket) trusting(stored).getSocketFactory().createSocket("127.0.0.1", port)) {
        socket.startHandshake();
        assertThat(socket.getSession().getPeerCertificates()[0].getPublicKey()).isNotNull();
      }
      assertThat(meters.find("aim.webhook.reviews").tag("result", "injected").functionCounter()).isNotNull();
    } finally {
      for (AutoCloseable p : parts) {
        p.close();
      }
    }
  }

  @Test
  void servesMountedCertManagerFilesWithoutKubernetes(@TempDir Path dir) throws Exception {
    CertificateBundle bundle = CertificateBundle.selfSigned(List.of("localhost"), java.time.Duration.ofDays(90), java.time.Instant.now());
    Files.writeString(dir.resolve("tls.crt"), bundle.certPem());
    Files.writeString(dir.resolve("tls.key"), bundle.keyPem());
    Files.writeString(dir.resolve("ca.crt"), bundle.caPem());
    int port = freePort();
    List<AutoCloseable> parts = new WebhookExtension().controllers(contextWithoutKubernetes(
        "{enabled: true, port: " + port + ", selfManagedCertificate: false, certDir: '" + dir + "'}"));
    try {
      try (SSLSocket socket = (SSLSocket) trusting(bundle).getSocketFactory().createSocket("localhost", port)) {
        socket.startHandshake();
        assertThat(socket.getSession().getPeerCertificates()[0]).isEqualTo(bundle.certificate());
      }
    } finally {
      for (AutoCloseable p : parts) {
        p.close();
      }
    }
  }

  @Test
  void startsNothingWhenDisabledOrWithoutCertificates(@TempDir Path empty) throws Exception {
    assertThat(new WebhookExtension().controllers(contextWithoutKubernetes("{enabled: false}"))).isEmpty();
    assertThat(new WebhookExtension().controllers(contextWithoutKubernetes("{}"))).isEmpty();
    assertThat(new WebhookExtension().controllers(contextWithoutKubernetes(
        "{enabled: true, selfManagedCertificate: false, certDir: '" + empty + "'}"))).isEmpty();
  }

  @Test
  void namesEveryBadKey() {
    assertThatThrownBy(() -> WebhookSettings.fromConfig(yaml(
        "{enabled: true, port: 70000, certValidityDays: 5, sidecar: {adminPort: 0}}")))
        .hasMessageContaining("webhook.port: 70000").hasMessageContaining("certValidityDays: 5")
        .hasMessageContaining("adminPort: 0");
  }

  private SchedulerContext context(String webhook, SimpleMeterRegistry meters) throws Exception {
    return new SchedulerContext(config(webhook), null, null, null, meters, Optional.of(client), null);
  }

  private static SchedulerContext contextWithoutKubernetes(String webhook) throws Exception {
    return new SchedulerContext(config(webhook), null, null, null, new SimpleMeterRegistry(), Optional.empty(), null);
  }

  private static SchedulerConfig config(String webhook) throws Exception {
    return new SchedulerConfig(null, null, "none", "test", null, null, null, null, yaml(webhook));
  }

  private static JsonNode yaml(String text) throws Exception {
    return new YAMLMapper().readTree(text);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static SSLContext trusting(CertificateBundle bundle) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    store.setCertificateEntry("ca", bundle.caCertificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(store);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
