package ai.aim.scheduler.webhook;

import ai.aim.scheduler.SchedulerContext;
import ai.aim.scheduler.SchedulerExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.FunctionCounter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the sidecar injection webhook from the scheduler when the config enables it.
 *
 * <p>Certificates: self-managed (the default without cert-manager) runs a
 * {@link CertificateRotator} at start and every minute; the minute-by-minute check is also what
 * makes two replicas that raced at start converge on the certificate stored in the Secret. With
 * cert-manager the mounted Secret's files are re-read every minute and served when they change.
 * Both replicas serve the webhook; neither needs to be the leader, since injection reads nothing
 * but the pod under review.
 *
 * <p>Exports {@code aim_webhook_reviews_total{result=injected|unchanged|denied}}. Built on the
 * main thread; the refresh runs on one daemon thread of its own.
 */
public final class WebhookExtension implements SchedulerExtension {

  private static final Logger log = LoggerFactory.getLogger(WebhookExtension.class);

  @Override
  public List<AutoCloseable> controllers(SchedulerContext context) {
    WebhookSettings settings = WebhookSettings.fromConfig(context.config().webhook());
    if (!settings.enabled()) {
      return List.of();
    }
    AdmissionReviewHandler handler =
        new AdmissionReviewHandler(new SidecarInjector(settings.injection()), new ObjectMapper());
    FunctionCounter.builder("aim.webhook.reviews", handler, AdmissionReviewHandler::injectedCount)
        .tag("result", "injected").description("AdmissionReviews answered by the injection webhook")
        .register(context.meters());
    FunctionCounter.builder("aim.webhook.reviews", handler, AdmissionReviewHandler::skippedCount)
        .tag("result", "unchanged").register(context.meters());
    FunctionCounter.builder("aim.webhook.reviews", handler, AdmissionReviewHandler::deniedCount)
        .tag("result", "denied").register(context.meters());

    CertificateSource certificates = certificateSource(settings, context);
    CertificateBundle first = certificates.current();
    if (first == null) {
      log.error("injection webhook not started: no certificate in {} and no self-managed certificate "
          + "(set webhook.selfManagedCertificate with Kubernetes, or mount a TLS Secret)", settings.certDir());
      return List.of();
    }
    WebhookServer server;
    try {
      server = WebhookServer.start(new InetSocketAddress(settings.port()), first, handler);
    } catch (IOException e) {
      throw new UncheckedIOException("webhook: cannot listen on port " + settings.port(), e);
    }
    ScheduledExecutorService refresh = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "aim-webhook-certificates");
      t.setDaemon(true);
      return t;
    });
    CertificateBundle[] serving = {first};
    refresh.scheduleWithFixedDelay(() -> {
      try {
        CertificateBundle next = certificates.current();
        if (next != null && !next.equals(serving[0])) {
          server.useCertificate(next);
          serving[0] = next;
          log.info("injection webhook now serves a new certificate");
        }
      } catch (RuntimeException e) {
        log.warn("webhook certificate refresh failed; keeping the current one: {}", e.getMessage());
      }
    }, 1, 1, TimeUnit.MINUTES);
    List<AutoCloseable> parts = new ArrayList<>();
    parts.add(server);
    parts.add(refresh::shutdownNow);
    return parts;
  }

  /** Yields the certificate to serve now, or null when there is none. */
  interface CertificateSource {
    CertificateBundle current();
  }

  static CertificateSource certificateSource(WebhookSettings settings, SchedulerContext context) {
    if (settings.selfManagedCertificate()) {
      KubernetesClient client = context.kubernetes().orElse(null);
      if (client == null) {
        log.warn("webhook.selfManagedCertificate needs Kubernetes (--kubernetes auto in a cluster)");
        return () -> null;
      }
      CertificateRotator rotator = new CertificateRotator(client, settings.namespace(), settings.secretName(),
          settings.configurationName(), settings.serviceName(), Duration.ofDays(settings.certValidityDays()),
          Duration.ofDays(30), Clock.systemUTC(), b -> {});
      return rotator::ensure;
    }
    return () -> fromFiles(settings.certDir());
  }

  static CertificateBundle fromFiles(Path dir) {
    Path crt = dir.resolve("tls.crt");
    Path key = dir.resolve("tls.key");
    Path ca = dir.resolve("ca.crt");
    try {
      if (!Files.isReadable(crt) || !Files.isReadable(key)) {
        return null;
      }
      String caPem = Files.isReadable(ca) ? Files.readString(ca) : Files.readString(crt);
      CertificateBundle b = new CertificateBundle(caPem, Files.readString(crt), Files.readString(key));
      Objects.requireNonNull(b.privateKey());
      b.certificate();
      return b;
    } catch (IOException | IllegalArgumentException e) {
      log.warn("webhook certificate files in {} unusable: {}", dir, e.getMessage());
      return null;
    }
  }
}
