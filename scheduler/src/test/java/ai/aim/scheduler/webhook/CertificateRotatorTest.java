package ai.aim.scheduler.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class CertificateRotatorTest {

  KubernetesClient client;
  private final List<CertificateBundle> served = new ArrayList<>();

  @BeforeEach
  void webhookConfiguration() {
    MutatingWebhookConfiguration config = new MutatingWebhookConfigurationBuilder()
        .withNewMetadata().withName("aim").endMetadata()
        .addNewWebhook().withName("sidecar-injector.aim.ai").withAdmissionReviewVersions("v1").withSideEffects("None")
        .withNewClientConfig().withNewService().withName("aim-scheduler").withNamespace("aim-system").withPath("/inject")
        .endService().endClientConfig().endWebhook()
        .build();
    client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(config).create();
  }

  @Test
  void createsTheSecretAndTrustsItsCaInTheWebhookConfiguration() throws Exception {
    CertificateBundle bundle = rotator(Clock.systemUTC()).ensure();

    Secret secret = client.secrets().inNamespace("aim-system").withName("aim-webhook-tls").get();
    assertThat(secret.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(decode(secret.getData().get("tls.crt"))).isEqualTo(bundle.certPem());
    assertThat(decode(secret.getData().get("ca.crt"))).isEqualTo(bundle.caPem());
    String caBundle = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("aim").get()
        .getWebhooks().get(0).getClientConfig().getCaBundle();
    assertThat(decode(caBundle)).isEqualTo(bundle.caPem());
    assertThat(bundle.certificate().getSubjectAlternativeNames().toString())
        .contains("aim-scheduler.aim-system.svc").contains("aim-scheduler.aim-system.svc.cluster.local");
    assertThat(served).containsExactly(bundle);
  }

  @Test
  void reusesAValidCertificateAndRenewsOneCloseToExpiry() {
    Instant now = Instant.parse("2026-11-23T00:00:00Z");
    CertificateBundle first = rotator(Clock.fixed(now, ZoneOffset.UTC)).ensure();
    CertificateBundle same = rotator(Clock.fixed(now.plus(Duration.ofDays(300)), ZoneOffset.UTC)).ensure();
    assertThat(same).isEqualTo(first);

    CertificateBundle renewed = rotator(Clock.fixed(now.plus(Duration.ofDays(340)), ZoneOffset.UTC)).ensure();
    assertThat(renewed.certPem()).isNotEqualTo(first.certPem());
    String caBundle = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("aim").get()
        .getWebhooks().get(0).getClientConfig().getCaBundle();
    assertThat(decode(caBundle)).isEqualTo(renewed.caPem());
    assertThat(served).hasSize(3);
  }

  @Test
  void replacesASecretThatHoldsGarbage() {
    client.secrets().inNamespace("aim-system").resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName("aim-webhook-tls").withNamespace("aim-system").endMetadata()
        .addToData("tls.crt", Base64.getEncoder().encodeToString("junk".getBytes(StandardCharsets.US_ASCII)))
        .addToData("tls.key", Base64.getEncoder().encodeToString("junk".getBytes(StandardCharsets.US_ASCII)))
        .addToData("ca.crt", Base64.getEncoder().encodeToString("junk".getBytes(StandardCharsets.US_ASCII)))
        .build()).create();
    CertificateBundle bundle = rotator(Clock.systemUTC()).ensure();
    assertThat(decode(client.secrets().inNamespace("aim-system").withName("aim-webhook-tls").get().getData().get("tls.crt")))
        .isEqualTo(bundle.certPem());
  }

  @Test
  void rejectsARenewalMarginLongerThanTheValidity() {
    assertThatThrownBy(() -> new CertificateRotator(client, "aim-system", "s", "aim", "svc",
        Duration.ofDays(10), Duration.ofDays(30), Clock.systemUTC(), b -> {}))
        .hasMessageContaining("renewBefore").hasMessageContaining("expected");
  }

  private CertificateRotator rotator(Clock clock) {
    return new CertificateRotator(client, "aim-system", "aim-webhook-tls", "aim", "aim-scheduler",
        Duration.ofDays(365), Duration.ofDays(30), clock, served::add);
  }

  private static String decode(String b64) {
    return new String(Base64.getDecoder().decode(b64), StandardCharsets.US_ASCII);
  }
}
