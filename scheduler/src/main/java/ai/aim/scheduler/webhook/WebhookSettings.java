package ai.aim.scheduler.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the scheduler serves the injection webhook: the {@code webhook:} section of its config
 * (the Helm chart writes it), apart from the sidecar settings in {@link InjectionSettings}.
 *
 * @param enabled serve the webhook at all
 * @param port HTTPS port
 * @param certDir where a cert-manager Secret is mounted ({@code tls.crt}, {@code tls.key},
 *     {@code ca.crt}); read when {@code selfManagedCertificate} is false
 * @param selfManagedCertificate make, store and rotate the certificate (needs Kubernetes)
 * @param namespace namespace of the Secret and the webhook Service
 * @param secretName the TLS Secret
 * @param configurationName the MutatingWebhookConfiguration whose caBundle is kept current
 * @param serviceName the Service the API server calls; the certificate covers its DNS names
 * @param certValidityDays validity of a self-made certificate; renewed 30 days before it ends
 * @param injection what goes into the pods
 */
public record WebhookSettings(
    boolean enabled,
    int port,
    Path certDir,
    boolean selfManagedCertificate,
    String namespace,
    String secretName,
    String configurationName,
    String serviceName,
    int certValidityDays,
    InjectionSettings injection) {

  /** Reads the section; a missing section means disabled. Every bad key is named at once. */
  public static WebhookSettings fromConfig(JsonNode w) {
    List<String> problems = new ArrayList<>();
    boolean enabled = w.path("enabled").asBoolean(false);
    int port = w.path("port").asInt(9443);
    if (port < 0 || port > 65535) {
      problems.add("webhook.port: " + port + " (expected: 0..65535)");
    }
    int days = w.path("certValidityDays").asInt(365);
    if (days < 31 || days > 3650) {
      problems.add("webhook.certValidityDays: " + days + " (expected: 31..3650; renewal starts 30 days before the end)");
    }
    String ns = text(w, "namespace", env("POD_NAMESPACE", "default"));
    InjectionSettings injection = null;
    try {
      injection = InjectionSettings.fromConfig(w);
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return new WebhookSettings(enabled, port, Path.of(text(w, "certDir", "/etc/aim/webhook-tls")),
        w.path("selfManagedCertificate").asBoolean(true), ns,
        text(w, "secretName", "aim-webhook-tls"), text(w, "configurationName", "aim"),
        text(w, "serviceName", "aim-scheduler"), days, injection);
  }

  private static String text(JsonNode node, String key, String fallback) {
    JsonNode v = node.path(key);
    return v.isValueNode() && !v.asText().isBlank() ? v.asText() : fallback;
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }
}
