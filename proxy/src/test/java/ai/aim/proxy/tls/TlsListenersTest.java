package ai.aim.proxy.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.aim.proxy.Sidecar;
import ai.aim.proxy.config.ConfigException;
import ai.aim.proxy.config.ConfigLoader;
import ai.aim.sim.ModelSim;
import ai.aim.sim.ServiceDistribution;
import ai.aim.sim.SimConfig;
import ai.aim.sim.v2.GRPCInferenceServiceGrpc;
import ai.aim.sim.v2.ModelInferRequest;
import ai.aim.sim.v2.ModelInferResponse;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole sidecar with {@code tls} configured, in front of a real model-sim: real TLS clients
 * (the JDK HttpClient over HTTP/1.1 and over h2 chosen by ALPN, grpc-java over TLS), with and
 * without mutual TLS, and the admin port still plain.
 */
class TlsListenersTest {

  private static final String BODY =
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1.0]}]}";

  @TempDir Path dir;
  private TestCertificates pki;
  private ModelSim sim;
  private Sidecar sidecar;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    pki = TestCertificates.create(dir.resolve("pki"));
    sim = ModelSim.start(SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(0)
        .model("llama").slots(4).serviceMs(1).serviceDist(ServiceDistribution.CONSTANT)
        .eventLoops(1).build());
  }

  @AfterEach
  void tearDown() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (sidecar != null) {
      sidecar.close();
    }
    sim.close();
  }

  private void startSidecar(boolean mutual) throws Exception {
    sidecar = Sidecar.start(() -> ConfigLoader.parse(yaml(mutual, pki.serverKey), Map.of()), null, null,
        null, System::nanoTime);
  }

  private String yaml(boolean mutual, Path key) {
    return "http: {bind: 127.0.0.1, port: 0, idleTimeout: 1s}\n"
        + "grpc: {bind: 127.0.0.1, port: 0}\n"
        + "admin: {bind: 127.0.0.1, port: 0}\n"
        + "eventLoops: 1\n"
        + "upstream: {http: '" + sim.httpBaseUrl() + "', grpc: '127.0.0.1:" + sim.grpcPort() + "'}\n"
        + "models: {llama: {}}\n"
        + "tls:\n"
        + "  certChain: '" + pki.serverCert + "'\n"
        + "  privateKey: '" + key + "'\n"
        + (mutual ? "  clientCa: '" + pki.caCert + "'\n" : "");
  }

  private HttpResponse<String> infer(HttpClient client) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(
                "https://127.0.0.1:" + sidecar.server().httpPort() + "/v2/models/llama/infer"))
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpClient client(HttpClient.Version v, SSLContext ssl) {
    return HttpClient.newBuilder().version(v).sslContext(ssl).connectTimeout(Duration.ofSeconds(5)).build();
  }

  private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub grpc(boolean withCert) throws Exception {
    SslContextBuilder b = GrpcSslContexts.forClient().trustManager(pki.caCert.toFile());
    if (withCert) {
      b.keyManager(pki.clientCert.toFile(), pki.clientKey.toFile());
    }
    ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", sidecar.grpcPort())
        .sslContext(b.build()).build();
    channels.add(c);
    return GRPCInferenceServiceGrpc.newBlockingStub(c).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  private static ModelInferRequest modelInfer() {
    return ModelInferRequest.newBuilder().setModelName("llama").setId("tls")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
            .setName("x").setDatatype("FP32").addShape(1).addShape(4))
        .addRawInputContents(ByteString.copyFrom(new byte[16]))
        .build();
  }

  /** The issuer of the certificate the HTTP port serves to a new connection. */
  private String servedIssuer() throws Exception {
    javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
    trustAll.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
      @Override
      public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) {}

      @Override
      public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) {}

      @Override
      public java.security.cert.X509Certificate[] getAcceptedIssuers() {
        return new java.security.cert.X509Certificate[0];
      }
    }}, null);
    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) trustAll.getSocketFactory()
        .createSocket("127.0.0.1", sidecar.server().httpPort())) {
      s.setSoTimeout(10_000);
      s.startHandshake();
      return ((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0])
          .getIssuerX500Principal().getName();
    }
  }

  @Test
  void aRotatedCertificateIsServedToNewConnectionsWithoutARestart() throws Exception {
    startSidecar(false);
    assertThat(servedIssuer()).isEqualTo("CN=aim-test-ca");
    HttpClient before = client(HttpClient.Version.HTTP_1_1, pki.clientContext(false));
    assertThat(infer(before).statusCode()).isEqualTo(200);

    TestCertificates next = TestCertificates.other(dir.resolve("next"));
    java.nio.file.Files.copy(next.serverKey, pki.serverKey, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    java.nio.file.Files.copy(next.serverCert, pki.serverCert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    java.nio.file.attribute.FileTime later =
        java.nio.file.attribute.FileTime.from(java.time.Instant.now().plusSeconds(5));
    java.nio.file.Files.setLastModifiedTime(pki.serverKey, later);
    java.nio.file.Files.setLastModifiedTime(pki.serverCert, later);

    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20))
        .until(() -> servedIssuer().equals("CN=aim-other-ca"));
    HttpClient after = client(HttpClient.Version.HTTP_1_1, next.clientContext(false));
    assertThat(infer(after).statusCode()).isEqualTo(200);
    assertThat(sidecar.registry().scrape()).contains("aim_tls_reloads_total{result=\"success\"} 1.0");
  }

  @Test
  void anHttp11ClientIsServedOverTls() throws Exception {
    startSidecar(false);

    HttpResponse<String> r = infer(client(HttpClient.Version.HTTP_1_1, pki.clientContext(false)));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
    assertThat(r.sslSession()).hasValueSatisfying(s -> assertThat(s.getProtocol()).startsWith("TLSv1."));
  }

  @Test
  void anH2ClientGetsHttp2ByAlpn() throws Exception {
    startSidecar(false);

    HttpResponse<String> r = infer(client(HttpClient.Version.HTTP_2, pki.clientContext(false)));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(r.body()).contains("llama");
  }

  @Test
  void aGrpcCallIsForwardedOverTls() throws Exception {
    startSidecar(false);

    ModelInferResponse r = grpc(false).modelInfer(modelInfer());

    assertThat(r.getModelName()).isEqualTo("llama");
  }

  @Test
  void aPlaintextClientOnTheTlsPortGetsNoAnswerAndTheAdminPortStaysPlain() throws Exception {
    startSidecar(false);
    HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    assertThatThrownBy(() -> plain.send(
            HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + sidecar.server().httpPort() + "/v2/models/llama/infer"))
                .timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
            HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
    HttpResponse<String> live = plain.send(
        HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sidecar.server().adminPort() + "/health/live")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(live.statusCode()).isEqualTo(200);
    // And the sidecar still serves TLS clients afterwards.
    assertThat(infer(client(HttpClient.Version.HTTP_1_1, pki.clientContext(false))).statusCode())
        .isEqualTo(200);
  }

  @Test
  void aStalledHandshakeIsCutAfterTheIdleTimeout() throws Exception {
    startSidecar(false);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", sidecar.server().httpPort()), 5000);
      s.setSoTimeout(20_000);
      // The first bytes of a TLS record header, then nothing.
      s.getOutputStream().write(new byte[] {0x16, 0x03, 0x01});
      s.getOutputStream().flush();

      assertThat(s.getInputStream().read()).as("closed by the sidecar").isEqualTo(-1);
    }
  }

  @Test
  void aKeyThatDoesNotBelongToTheCertificateStopsTheStartWithAMessage() {
    assertThatThrownBy(() -> Sidecar.start(
            () -> ConfigLoader.parse(yaml(false, pki.clientKey), Map.of()), null, null, null, System::nanoTime))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("tls.privateKey")
        .hasMessageContaining("does not belong to the first certificate");
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateIsRefusedTheHandshake() throws Exception {
    startSidecar(false);
    TestCertificates other = TestCertificates.other(dir.resolve("other"));

    assertThatThrownBy(() -> infer(client(HttpClient.Version.HTTP_1_1, other.clientContext(false))))
        .isInstanceOf(IOException.class);
  }

  @Test
  void underMutualTlsClientsWithACertificateAreServedOnBothPorts() throws Exception {
    startSidecar(true);

    assertThat(infer(client(HttpClient.Version.HTTP_2, pki.clientContext(true))).statusCode())
        .isEqualTo(200);
    assertThat(infer(client(HttpClient.Version.HTTP_1_1, pki.clientContext(true))).statusCode())
        .isEqualTo(200);
    assertThat(grpc(true).modelInfer(modelInfer()).getModelName()).isEqualTo("llama");
  }

  @Test
  void underMutualTlsClientsWithoutACertificateAreRefusedOnBothPorts() throws Exception {
    startSidecar(true);

    assertThatThrownBy(() -> infer(client(HttpClient.Version.HTTP_1_1, pki.clientContext(false))))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> infer(client(HttpClient.Version.HTTP_2, pki.clientContext(false))))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(() -> grpc(false).modelInfer(modelInfer()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(sim.stats().completed()).as("nothing reached the model server").isZero();
  }
}
