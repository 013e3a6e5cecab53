package ai.aim.proxy.link;

import ai.aim.proxy.tls.TestCertificates;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.ssl.ClientAuth;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.Sidecar;
import ai.aim.proxy.admission.AdmissionSnapshot;
import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.config.ConfigLoader;
import ai.aim.scheduler.client.v1.DirectiveAck;
import ai.aim.scheduler.client.v1.Drain;
import ai.aim.scheduler.client.v1.Hello;
import ai.aim.scheduler.client.v1.LimitOverride;
import ai.aim.scheduler.client.v1.LoadReport;
import ai.aim.scheduler.client.v1.ModelLoad;
import ai.aim.scheduler.client.v1.PriorityLoad;
import ai.aim.scheduler.client.v1.SchedulerDirective;
import ai.aim.scheduler.client.v1.SchedulerServiceGrpc;
import ai.aim.scheduler.client.v1.SidecarMessage;
import ai.aim.scheduler.client.v1.Welcome;
import ai.aim.sim.ModelSim;
import ai.aim.sim.ServiceDistribution;
import ai.aim.sim.SimConfig;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.channel.ChannelOption;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The sidecar's link to a real gRPC scheduler on loopback (implemented here from the generated
 * stubs): load reports with the sidecar's numbers, directives applied, and a scheduler that goes
 * away and comes back.
 */
class SchedulerLinkEndToEndTest {

  private static final String BODY =
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1.0]}]}";

  private ModelSim sim;
  private Sidecar sidecar;
  private FakeScheduler scheduler;
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<CompletableFuture<?>> pending = new ArrayList<>();

  /** The scheduler's side of the protocol, recording what arrives. */
  static final class FakeScheduler extends SchedulerServiceGrpc.SchedulerServiceImplBase {
    final ConcurrentLinkedQueue<Hello> hellos = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<LoadReport> reports = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<DirectiveAck> acks = new ConcurrentLinkedQueue<>();
    volatile StreamObserver<SchedulerDirective> stream;
    final AtomicLong sequence = new AtomicLong();
    Server server;

    void start(int port) throws Exception {
      start(port, null);
    }

    /** With {@code pki}: TLS, and a client certificate signed by the test CA required. */
    void start(int port, TestCertificates pki) throws Exception {
      NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
          .withOption(ChannelOption.SO_REUSEADDR, true)
          .addService(this);
      if (pki != null) {
        b.sslContext(GrpcSslContexts.forServer(pki.serverCert.toFile(), pki.serverKey.toFile())
            .trustManager(pki.caCert.toFile())
            .clientAuth(ClientAuth.REQUIRE)
            .build());
      }
      server = b.build().start();
    }

    int port() {
      return server.getPort();
    }

    void stop() throws InterruptedException {
      server.shutdownNow();
      server.awaitTermination(10, TimeUnit.SECONDS);
    }

    synchronized void send(SchedulerDirective.Builder d) {
      stream.onNext(d.setSequence(sequence.incrementAndGet()).build());
    }

    @Override
    public StreamObserver<SidecarMessage> connect(StreamObserver<SchedulerDirective> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(SidecarMessage m) {
          switch (m.getBodyCase()) {
            case HELLO -> {
              hellos.add(m.getHello());
              stream = out;
              send(SchedulerDirective.newBuilder()
                  .setWelcome(Welcome.newBuilder().setSchedulerId("test")));
            }
            case REPORT -> reports.add(m.getReport());
            case ACK -> acks.add(m.getAck());
            default -> { }
          }
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }

    ModelLoad lastLoad(String model) {
      LoadReport last = null;
      for (LoadReport r : reports) {
        last = r;
      }
      assertThat(last).as("a report").isNotNull();
      return last.getModelsList().stream().filter(m -> m.getModel().equals(model)).findFirst()
          .orElseThrow();
    }
  }

  @AfterEach
  void stop() throws Exception {
    try {
      for (CompletableFuture<?> f : pending) {
        f.handle((r, e) -> null).get(30, TimeUnit.SECONDS);
      }
    } finally {
      if (sidecar != null) {
        sidecar.close();
      }
      if (scheduler != null && scheduler.server != null) {
        scheduler.stop();
      }
      if (sim != null) {
        sim.close();
      }
    }
  }

  private void start(int maxInflight) throws Exception {
    start(maxInflight, 2_000);
  }

  private void start(int maxInflight, long serviceMs) throws Exception {
    scheduler = new FakeScheduler();
    scheduler.start(0);
    sim = ModelSim.start(SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(-1)
        .model("llama").slots(8).serviceMs(serviceMs)
        .serviceDist(ServiceDistribution.CONSTANT).eventLoops(1).build());
    String yaml = "http: {bind: 127.0.0.1, port: 0}\n"
        + "grpc: {bind: 127.0.0.1, port: 0}\n"
        + "admin: {bind: 127.0.0.1, port: 0}\n"
        + "eventLoops: 2\n"
        + "gpuSource: none\n"
        + "upstream: {http: '" + sim.httpBaseUrl() + "', grpc: '127.0.0.1:1'}\n"
        + "scheduler: {address: '127.0.0.1:" + scheduler.port() + "'}\n"
        + "admission: {maxInflight: " + maxInflight + "}\n"
        + "models: {llama: {}}\n";
    sidecar = Sidecar.start(() -> ConfigLoader.parse(yaml, Map.of()), null, null, null,
        System::nanoTime);
    await().atMost(Duration.ofSeconds(30)).until(() -> !scheduler.hellos.isEmpty());
  }

  private CompletableFuture<HttpResponse<String>> async(Priority p) {
    CompletableFuture<HttpResponse<String>> f = client.sendAsync(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sidecar.server().httpPort() + "/v2/models/llama/infer"))
        .header("x-aim-priority", p.label())
        .POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
        HttpResponse.BodyHandlers.ofString());
    pending.add(f);
    return f;
  }

  private AdmissionSnapshot.Model llama() throws Exception {
    return sidecar.controller().refreshSnapshot().get(5, TimeUnit.SECONDS).models().get("llama");
  }

  private String metrics() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sidecar.server().adminPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private static PriorityLoad of(ModelLoad m, ai.aim.scheduler.client.v1.Priority p) {
    return m.getPrioritiesList().stream().filter(x -> x.getPriority() == p).findFirst().orElseThrow();
  }

  @Test
  void reportsCarryTheAdmissionStateAndALimitDirectiveChangesTheLimit() throws Exception {
    // Long enough service that the requests are still running when the directive arrives.
    start(2, 8_000);
    assertThat(scheduler.hellos.peek().getModelsList()).containsExactly("llama");
    await().atMost(Duration.ofSeconds(30)).until(() -> !scheduler.reports.isEmpty());
    async(Priority.MEDIUM);
    async(Priority.MEDIUM);
    async(Priority.MEDIUM);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      ModelLoad m = scheduler.lastLoad("llama");
      assertThat(m.getLimit()).isEqualTo(2);
      assertThat(m.getInFlight()).isEqualTo(2);
      assertThat(of(m, ai.aim.scheduler.client.v1.Priority.PRIORITY_MEDIUM).getQueued()).isEqualTo(1);
      assertThat(of(m, ai.aim.scheduler.client.v1.Priority.PRIORITY_HIGH).getQueued()).isZero();
      assertThat(m.getArrivalRate()).isPositive();
      assertThat(m.getSlosList()).isNotEmpty();
    });

    scheduler.send(SchedulerDirective.newBuilder().setLimitOverride(
        LimitOverride.newBuilder().setModel("llama").setLimit(5).setTtlMillis(600_000)
            .setReason("test")));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(scheduler.acks).anySatisfy(a -> assertThat(a.getApplied()).isTrue());
      assertThat(llama().limit()).isEqualTo(5);
      assertThat(llama().limitOverride()).isEqualTo(5);
      // The queued one went at once.
      assertThat(llama().of(Priority.MEDIUM).admitted()).isEqualTo(3);
      assertThat(llama().of(Priority.MEDIUM).queueDepth()).isZero();
    });
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(scheduler.lastLoad("llama").getLimit()).isEqualTo(5);
      assertThat(metrics()).contains("aim_admission_limit 5.0", "aim_link_connected 1.0");
    });

    scheduler.send(SchedulerDirective.newBuilder().setLimitOverride(
        LimitOverride.newBuilder().setModel("nope").setLimit(1)));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(scheduler.acks)
        .anySatisfy(a -> assertThat(a.getApplied()).isFalse()));
    assertThat(llama().limit()).isEqualTo(5);

    scheduler.send(SchedulerDirective.newBuilder().setLimitOverride(
        LimitOverride.newBuilder().setLimit(0)));
    await().atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(llama().limit()).isEqualTo(2));
  }

  @Test
  void aSchedulerThatGoesAwayAndComesBackGetsReportsAgainWhileTheSidecarKeepsServing()
      throws Exception {
    start(4);
    await().atMost(Duration.ofSeconds(30)).until(() -> scheduler.reports.size() >= 1);
    int port = scheduler.port();
    scheduler.stop();
    await().atMost(Duration.ofSeconds(30))
        .until(() -> !sidecar.schedulerLink().connected());

    // No scheduler: requests are served as before.
    assertThat(async(Priority.HIGH).get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

    FakeScheduler again = new FakeScheduler();
    again.start(port);
    scheduler = again;
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertThat(again.hellos).hasSize(1);
      assertThat(again.reports).isNotEmpty();
    });
    assertThat(sidecar.schedulerLink().reconnects()).isPositive();
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(again.lastLoad("llama").getPriorities(0).getAdmittedRate()).isNotNegative());
  }

  /** A sidecar with no model server behind it, linked to {@link #scheduler} with these TLS keys. */
  private void startLinkedSidecar(String tlsKeys) throws Exception {
    String yaml = "http: {bind: 127.0.0.1, port: 0}\n"
        + "grpc: {bind: 127.0.0.1, port: 0}\n"
        + "admin: {bind: 127.0.0.1, port: 0}\n"
        + "eventLoops: 1\n"
        + "gpuSource: none\n"
        + "upstream: {http: 'http://127.0.0.1:1', grpc: '127.0.0.1:1'}\n"
        + "scheduler: {address: 'localhost:" + scheduler.port() + "', tls: {" + tlsKeys + "}}\n"
        + "models: {llama: {}}\n";
    sidecar = Sidecar.start(() -> ConfigLoader.parse(yaml, Map.of()), null, null, null,
        System::nanoTime);
  }

  @Test
  void overMutualTlsTheSidecarPresentsItsCertificateAndReports(@TempDir Path dir) throws Exception {
    TestCertificates pki = TestCertificates.create(dir);
    scheduler = new FakeScheduler();
    scheduler.start(0, pki);
    startLinkedSidecar("certChain: '" + pki.clientCert + "', privateKey: '" + pki.clientKey
        + "', trustCa: '" + pki.caCert + "'");
    await().atMost(Duration.ofSeconds(30)).until(() -> !scheduler.reports.isEmpty());
    assertThat(scheduler.hellos.peek().getModelsList()).contains("llama");
    assertThat(scheduler.lastLoad("llama").getModel()).isEqualTo("llama");
  }

  @Test
  void aPlaintextLinkToAMutualTlsSchedulerNeverGetsThrough(@TempDir Path dir) throws Exception {
    TestCertificates pki = TestCertificates.create(dir);
    scheduler = new FakeScheduler();
    scheduler.start(0, pki);
    startLinkedSidecar("trustCa: '" + pki.caCert + "'");
    // TLS without a client certificate: the handshake is refused, nothing arrives, the sidecar
    // keeps retrying and serving.
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
        .until(() -> scheduler.hellos.isEmpty() && scheduler.reports.isEmpty());
    assertThat(metrics()).contains("aim_link_connected 0.0");
  }

  @Test
  void aDrainDirectiveDrainsLikeTheAdminEndpoint() throws Exception {
    start(4);
    scheduler.send(SchedulerDirective.newBuilder().setDrain(Drain.newBuilder().setReason("move")));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(scheduler.acks).anySatisfy(a -> assertThat(a.getApplied()).isTrue());
      assertThat(sidecar.server().readiness().isDraining()).isTrue();
    });
    HttpResponse<String> r = async(Priority.HIGH).get(30, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(503);
  }

  @Test
  void aDrainWithADurationEndsByItselfAndTheSidecarAdmitsAgain() throws Exception {
    start(4, 10);
    scheduler.send(SchedulerDirective.newBuilder().setDrain(
        Drain.newBuilder().setReason("maintenance").setDurationMillis(1_500)));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(scheduler.acks).anySatisfy(a -> assertThat(a.getApplied()).isTrue());
      assertThat(sidecar.server().readiness().isDraining()).isTrue();
    });
    await().atMost(Duration.ofSeconds(30))
        .until(() -> !sidecar.server().readiness().isDraining());
    assertThat(async(Priority.HIGH).get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
  }
}
