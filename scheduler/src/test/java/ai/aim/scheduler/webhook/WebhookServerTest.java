package ai.aim.scheduler.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebhookServerTest {

  private final ObjectMapper mapper = new ObjectMapper();
  private final CertificateBundle first =
      CertificateBundle.selfSigned(List.of("localhost"), Duration.ofDays(30), Instant.now());
  private WebhookServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void servesAdmissionReviewsOverTlsWithItsCertificate() throws Exception {
    server = start(first);
    HttpClient client = HttpClient.newBuilder().sslContext(trusting(first)).connectTimeout(Duration.ofSeconds(5)).build();
    byte[] review;
    try (InputStream in = getClass().getResourceAsStream("/webhook/kserve-predictor-pod.json")) {
      JsonNode pod = mapper.readTree(in);
      var root = mapper.createObjectNode().put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
      var request = root.putObject("request").put("uid", "tls-1");
      request.putObject("kind").put("kind", "Pod");
      request.set("object", pod);
      review = mapper.writeValueAsBytes(root);
    }
    HttpResponse<byte[]> response = client.send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + server.port() + "/inject"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(review)).build(),
        HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = mapper.readTree(response.body());
    assertThat(body.path("response").path("uid").asText()).isEqualTo("tls-1");
    assertThat(body.path("response").path("patchType").asText()).isEqualTo("JSONPatch");
    assertThat(peerCertificate(first)).isEqualTo(first.certificate());
  }

  @Test
  void refusesWrongMethodsAndOversizeBodies() throws Exception {
    server = start(first);
    HttpClient client = HttpClient.newBuilder().sslContext(trusting(first)).build();
    URI inject = URI.create("https://localhost:" + server.port() + "/inject");
    assertThat(client.send(HttpRequest.newBuilder(inject).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode())
        .isEqualTo(405);
    byte[] huge = new byte[WebhookServer.MAX_BODY_BYTES + 10];
    assertThat(client.send(HttpRequest.newBuilder(inject).POST(HttpRequest.BodyPublishers.ofByteArray(huge)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(413);
  }

  @Test
  void servesARotatedCertificateWithoutRestart() throws Exception {
    server = start(first);
    CertificateBundle second = CertificateBundle.selfSigned(List.of("localhost"), Duration.ofDays(60), Instant.now());
    server.useCertificate(second);
    assertThat(peerCertificate(second)).isEqualTo(second.certificate());
  }

  private WebhookServer start(CertificateBundle bundle) throws Exception {
    return WebhookServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), bundle,
        new AdmissionReviewHandler(new SidecarInjector(InjectionSettings.defaults()), mapper));
  }

  private X509Certificate peerCertificate(CertificateBundle trust) throws Exception {
    try (SSLSocket socket = (SSLSocket) trusting(trust).getSocketFactory().createSocket("localhost", server.port())) {
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
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
