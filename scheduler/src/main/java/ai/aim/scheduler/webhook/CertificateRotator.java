package ai.aim.scheduler.webhook;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the webhook's self-managed certificate current when cert-manager is not installed: the
 * {@code kubernetes.io/tls} Secret holds the CA, serving certificate and key; the
 * MutatingWebhookConfiguration's {@code caBundle} holds the CA.
 *
 * <p>{@link #ensure()} reuses the Secret's certificate while it is valid for longer than the
 * renewal margin, and otherwise creates a new CA and certificate, writes the Secret, patches every
 * webhook's {@code caBundle}, and hands the new bundle to the running server. Call it at start and
 * then periodically (e.g. daily); any replica may call it, the last writer wins and both replicas
 * then serve a certificate the caBundle trusts once they call it again.
 *
 * <p>Called from one scheduling thread; not thread-safe.
 */
public final class CertificateRotator {

  private static final Logger log = LoggerFactory.getLogger(CertificateRotator.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String secretName;
  private final String webhookConfigurationName;
  private final List<String> dnsNames;
  private final Duration validity;
  private final Duration renewBefore;
  private final Clock clock;
  private final Consumer<CertificateBundle> onChange;

  /**
   * @param serviceName the webhook Service; the certificate covers its in-cluster DNS names
   * @param onChange receives the bundle to serve (at the first call and after each renewal)
   */
  public CertificateRotator(KubernetesClient client, String namespace, String secretName,
      String webhookConfigurationName, String serviceName, Duration validity, Duration renewBefore,
      Clock clock, Consumer<CertificateBundle> onChange) {
    if (renewBefore.compareTo(validity) >= 0) {
      throw new IllegalArgumentException("renewBefore: " + renewBefore + " (expected: < validity " + validity + ")");
    }
    this.client = client;
    this.namespace = namespace;
    this.secretName = secretName;
    this.webhookConfigurationName = webhookConfigurationName;
    this.dnsNames = List.of(serviceName + "." + namespace + ".svc", serviceName + "." + namespace + ".svc.cluster.local");
    this.validity = validity;
    this.renewBefore = renewBefore;
    this.clock = clock;
    this.onChange = onChange;
  }

  /** Makes sure a valid certificate is stored, trusted and served; returns the one in use. */
  public CertificateBundle ensure() {
    CertificateBundle stored = readSecret();
    boolean renew = stored == null || stored.expiresBefore(clock.instant().plus(renewBefore));
    CertificateBundle bundle = renew ? CertificateBundle.selfSigned(dnsNames, validity, clock.instant()) : stored;
    if (renew) {
      writeSecret(bundle);
      log.info("webhook certificate {} (valid until {})", stored == null ? "created" : "renewed",
          bundle.certificate().getNotAfter().toInstant());
    }
    patchCaBundle(bundle);
    onChange.accept(bundle);
    return bundle;
  }

  private CertificateBundle readSecret() {
    Secret secret = client.secrets().inNamespace(namespace).withName(secretName).get();
    if (secret == null || secret.getData() == null) {
      return null;
    }
    Map<String, String> data = secret.getData();
    if (!data.containsKey("tls.crt") || !data.containsKey("tls.key") || !data.containsKey("ca.crt")) {
      return null;
    }
    try {
      CertificateBundle b = new CertificateBundle(decode(data.get("ca.crt")), decode(data.get("tls.crt")), decode(data.get("tls.key")));
      b.privateKey();
      b.caCertificate();
      return b;
    } catch (IllegalArgumentException e) {
      log.warn("secret {}/{} holds no usable certificate ({}); replacing it", namespace, secretName, e.getMessage());
      return null;
    }
  }

  private void writeSecret(CertificateBundle bundle) {
    Secret secret = new SecretBuilder()
        .withNewMetadata().withName(secretName).withNamespace(namespace)
        .addToLabels("app.kubernetes.io/component", "webhook").endMetadata()
        .withType("kubernetes.io/tls")
        .addToData("tls.crt", encode(bundle.certPem()))
        .addToData("tls.key", encode(bundle.keyPem()))
        .addToData("ca.crt", encode(bundle.caPem()))
        .build();
    client.secrets().inNamespace(namespace).resource(secret).createOr(existing -> existing.update());
  }

  private void patchCaBundle(CertificateBundle bundle) {
    String ca = encode(bundle.caPem());
    MutatingWebhookConfiguration config = client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName(webhookConfigurationName).get();
    if (config == null) {
      log.warn("MutatingWebhookConfiguration {} not found; the API server cannot reach the webhook", webhookConfigurationName);
      return;
    }
    boolean changed = false;
    for (MutatingWebhook w : config.getWebhooks()) {
      if (!ca.equals(w.getClientConfig().getCaBundle())) {
        w.getClientConfig().setCaBundle(ca);
        changed = true;
      }
    }
    if (changed) {
      client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(config).update();
    }
  }

  private static String encode(String pem) {
    return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
  }
}
