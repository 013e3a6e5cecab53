package ai.aim.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.Sidecar;
import ai.aim.proxy.admission.AdmissionSnapshot;
import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.config.ConfigLoader;
import ai.aim.sim.ModelSim;
import ai.aim.sim.ServiceDistribution;
import ai.aim.sim.SimConfig;
import ai.aim.sim.v2.GRPCInferenceServiceGrpc;
import ai.aim.sim.v2.ModelInferRequest;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole sidecar (both edges, one admission core, metrics, SLOs, admin, reload) in front of a
 * real model-sim, through real sockets on loopback.
 */
class SidecarEndToEndTest {

  private static final String BODY =
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1.0]}]}";

  private ModelSim sim;
  private Sidecar sidecar;
  private final HttpClient client =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final List<CompletableFuture<?>> pending = new ArrayList<>();

  @TempDir Path dir;

  @AfterEach
  void everyPermitComesBack() throws Exception {
    try {
      for (CompletableFuture<?> f : pending) {
        f.handle((r, e) -> null).get(20, TimeUnit.SECONDS);
      }
      if (sidecar != null) {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
          AdmissionSnapshot s = sidecar.controller().refreshSnapshot().get(5, TimeUnit.SECONDS);
          for (AdmissionSnapshot.Model m : s.models().values()) {
            assertThat(m.inflight()).as("in flight of " + m.model()).isZero();
            for (AdmissionSnapshot.Class c : m.classes()) {
              assertThat(c.queueDepth()).as("queued " + c.priority()).isZero();
              assertThat(c.inflight()).as("in flight " + c.priority()).isZero();
            }
          }
          assertThat(sidecar.server().http().inflight()).isZero();
        });
      }
    } finally {
      if (sidecar != null) {
        sidecar.close();
      }
      if (sim != null) {
        sim.close();
      }
    }
  }

  private void startSim(double serviceMs) {
    sim = ModelSim.start(SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(0)
        .model("llama").slots(8).serviceMs(serviceMs)
        .serviceDist(ServiceDistribution.CONSTANT).eventLoops(1).build());
  }

  private String yaml(String admission) {
    return "http: {bind: 127.0.0.1, port: 0}\n"
        + "grpc: {bind: 127.0.0.1, port: 0}\n"
        + "admin: {bind: 127.0.0.1, port: 0}\n"
        + "eventLoops: 2\n"
        + "upstream: {http: '" + sim.httpBaseUrl() + "', grpc: '127.0.0.1:" + sim.grpcPort() + "'}\n"
        + "admission:\n" + admission
        + "models: {llama: {}}\n";
  }

  private void startSidecar(String admission) throws Exception {
    String y = yaml(admission);
    sidecar = Sidecar.start(() -> ConfigLoader.parse(y, Map.of()), null, null, null, System::nanoTime);
  }

  private HttpRequest infer(Priority p, String... headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sidecar.server().httpPort() + "/v2/models/llama/infer"))
        .header("x-aim-priority", p.label())
        .POST(HttpRequest.BodyPublishers.ofString(BODY));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return b.build();
  }

  private CompletableFuture<HttpResponse<String>> async(Priority p, String... headers) {
    CompletableFuture<HttpResponse<String>> f =
        client.sendAsync(infer(p, headers), HttpResponse.BodyHandlers.ofString());
    pending.add(f);
    return f;
  }

  private AdmissionSnapshot.Model llama() throws Exception {
    AdmissionSnapshot.Model m =
        sidecar.controller().refreshSnapshot().get(5, TimeUnit.SECONDS).models().get("llama");
    assertThat(m).as("llama in the admission snapshot").isNotNull();
    return m;
  }

  private void awaitInflight(int n) {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(llama().inflight()).isEqualTo(n));
  }

  private void awaitQueued(Priority p, int n) {
    await().atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(llama().of(p).queueDepth()).isEqualTo(n));
  }

  private String admin(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sidecar.server().adminPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void lowIsShedWithRetryAfterAndAJsonBodyWhileHighIsServed() throws Exception {
    startSim(1500);
    startSidecar("  maxInflight: 2\n  priorities: {low: {maxQueue: 0}}\n");
    CompletableFuture<HttpResponse<String>> m1 = async(Priority.MEDIUM);
    CompletableFuture<HttpResponse<String>> m2 = async(Priority.MEDIUM);
    awaitInflight(2);

    HttpResponse<String> low = client.send(infer(Priority.LOW), HttpResponse.BodyHandlers.ofString());
    assertThat(low.statusCode()).isEqualTo(429);
    assertThat(low.headers().firstValueAsLong("retry-after").orElse(0)).isPositive();
    assertThat(low.body()).contains("\"error\":\"shed\"", "\"reason\":\"queue_full\"",
        "\"priority\":\"low\"", "\"model\":\"llama\"", "\"retryAfterMs\":");

    HttpResponse<String> high = client.send(infer(Priority.HIGH), HttpResponse.BodyHandlers.ofString());
    assertThat(high.statusCode()).isEqualTo(200);
    assertThat(high.headers().firstValue("x-aim-queue-wait-ms")).isPresent();
    assertThat(m1.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(m2.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(sim.stats().requests()).isEqualTo(3);

    await().untilAsserted(() -> assertThat(admin("/metrics")).contains(
        "aim_model_requests_total{model=\"llama\",outcome=\"shed\",priority=\"low\"} 1.0",
        "aim_model_requests_total{model=\"llama\",outcome=\"ok\",priority=\"high\"} 1.0",
        "aim_model_requests_total{model=\"llama\",outcome=\"ok\",priority=\"medium\"} 2.0"));
    sidecar.slo().tick();
    assertThat(admin("/slo")).contains("llama");
  }

  @Test
  void aQueuedHighIsDispatchedBeforeAQueuedLow() throws Exception {
    startSim(600);
    startSidecar("  maxInflight: 1\n");
    ConcurrentLinkedQueue<Priority> finished = new ConcurrentLinkedQueue<>();
    async(Priority.MEDIUM);
    awaitInflight(1);
    CompletableFuture<HttpResponse<String>> low = async(Priority.LOW);
    awaitQueued(Priority.LOW, 1);
    CompletableFuture<HttpResponse<String>> high = async(Priority.HIGH);
    awaitQueued(Priority.HIGH, 1);
    low.thenRun(() -> finished.add(Priority.LOW));
    high.thenRun(() -> finished.add(Priority.HIGH));
    assertThat(low.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(high.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    // One permit: whichever was dispatched first also finished first.
    assertThat(finished).containsExactly(Priority.HIGH, Priority.LOW);
  }

  @Test
  void aDeadlineThatCannotBeMetIsRefusedAtOnceWith504() throws Exception {
    startSim(800);
    startSidecar("  maxInflight: 1\n");
    // Teach the core the service time.
    assertThat(client.send(infer(Priority.MEDIUM), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(200);
    async(Priority.MEDIUM);
    awaitInflight(1);
    HttpResponse<String> r = client.send(
        infer(Priority.MEDIUM, "x-aim-deadline-ms", "50"), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(504);
    // Unmeetable (refused on arrival), not expired (refused after waiting).
    assertThat(r.body()).contains("\"reason\":\"deadline_unmeetable\"");
    assertThat(sim.stats().requests()).isEqualTo(2);
  }

  @Test
  void aBadPriorityHeaderIsA400NamingTheHeader() throws Exception {
    startSim(10);
    startSidecar("  maxInflight: 1\n");
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sidecar.server().httpPort() + "/v2/models/llama/infer"))
        .header("x-aim-priority", "urgent").POST(HttpRequest.BodyPublishers.ofString(BODY)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("x-aim-priority", "expected: high, medium or low");
    assertThat(sim.stats().requests()).isZero();
  }

  @Test
  void cancellingAQueuedRequestFreesItsSlotAndNeverReachesTheModelServer() throws Exception {
    startSim(800);
    startSidecar("  maxInflight: 1\n");
    async(Priority.MEDIUM);
    awaitInflight(1);
    try (Socket s = new Socket("127.0.0.1", sidecar.server().httpPort())) {
      OutputStream out = s.getOutputStream();
      byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
      out.write(("POST /v2/models/llama/infer HTTP/1.1\r\nHost: x\r\nx-aim-priority: low\r\n"
          + "content-type: application/json\r\ncontent-length: " + body.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      awaitQueued(Priority.LOW, 1);
    }
    awaitQueued(Priority.LOW, 0);
    awaitInflight(0);
    assertThat(sim.stats().requests()).isEqualTo(1);
    assertThat(sim.stats().completed()).isEqualTo(1);
  }

  @Test
  void aChangedConfigFileChangesTheLimitWithoutDroppingInFlightAndABadOneIsRefused()
      throws Exception {
    startSim(6000);
    Path file = dir.resolve("aim.yaml");
    Files.writeString(file, yaml("  maxInflight: 1\n"));
    sidecar = Sidecar.start(() -> ConfigLoader.load(file, Map.of()), file, null, null, System::nanoTime);
    CompletableFuture<HttpResponse<String>> first = async(Priority.MEDIUM);
    awaitInflight(1);

    Files.writeString(file, yaml("  maxInflight: 3\n"));
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(llama().limit()).isEqualTo(3));
    CompletableFuture<HttpResponse<String>> second = async(Priority.MEDIUM);
    CompletableFuture<HttpResponse<String>> third = async(Priority.MEDIUM);
    // Three at once: impossible under the old limit of 1.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(sim.stats().maxConcurrentObserved()).isEqualTo(3));

    Files.writeString(file, yaml("  maxInflight: -4\n"));
    Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 10_000));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(admin("/metrics"))
        .contains("aim_config_reloads_total{result=\"failure\"} 1.0"));
    assertThat(llama().limit()).isEqualTo(3);
    assertThat(admin("/config")).contains("\"maxInflight\":3");

    assertThat(first.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(second.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(third.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(admin("/metrics")).contains("aim_config_reloads_total{result=\"success\"} 1.0");
  }

  @Test
  void retryAfterFollowsTheRefusingQueuesDrainAndIsTheSameOnHttpAndGrpc() throws Exception {
    // One permit held for 8 s; the queued LOWs time out after 6 s, before it frees, so the LOW
    // queue stays full for the whole check whatever the machine's speed within those seconds.
    startSim(8000);
    startSidecar("  maxInflight: 1\n"
        + "  priorities: {low: {maxQueue: 2, maxQueueWaitMs: 6000}, medium: {maxQueue: 0}}\n");
    async(Priority.MEDIUM);
    awaitInflight(1);
    // MEDIUM's queue is empty: a retry has a fair chance at once.
    HttpResponse<String> medium = client.send(infer(Priority.MEDIUM), HttpResponse.BodyHandlers.ofString());
    assertThat(medium.statusCode()).isEqualTo(429);
    assertThat(medium.headers().firstValue("retry-after")).hasValue("1");
    // Two LOW queued behind the held permit and none drained yet: the longest advice, 60 s.
    async(Priority.LOW);
    async(Priority.LOW);
    awaitQueued(Priority.LOW, 2);
    HttpResponse<String> low = client.send(infer(Priority.LOW), HttpResponse.BodyHandlers.ofString());
    assertThat(low.statusCode()).isEqualTo(429);
    assertThat(low.headers().firstValue("retry-after")).hasValue("60");
    assertThat(low.body()).contains("\"retryAfterMs\":60000");
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", sidecar.grpcPort()).usePlaintext().build();
    try {
      for (String p : List.of("low", "medium")) {
        StatusRuntimeException e = refusedCall(ch, p);
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(e.getTrailers().get(Metadata.Key.of("retry-after-ms", Metadata.ASCII_STRING_MARSHALLER)))
            .as(p).isEqualTo(p.equals("low") ? "60000" : "1000");
      }
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** A ModelInfer call of the given priority that the sidecar must refuse; its error. */
  private static StatusRuntimeException refusedCall(ManagedChannel ch, String priority) {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("x-aim-priority", Metadata.ASCII_STRING_MARSHALLER), priority);
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
        GRPCInferenceServiceGrpc.newBlockingStub(ch)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
            .withDeadlineAfter(10, TimeUnit.SECONDS);
    return org.junit.jupiter.api.Assertions.assertThrows(
        StatusRuntimeException.class,
        () -> stub.modelInfer(ModelInferRequest.newBuilder().setModelName("llama").build()));
  }

  @Test
  void aShedGrpcCallIsResourceExhaustedWithRetryAfterAndReasonTrailers() throws Exception {
    startSim(1500);
    startSidecar("  maxInflight: 1\n  priorities: {low: {maxQueue: 0}}\n");
    async(Priority.MEDIUM);
    awaitInflight(1);
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", sidecar.grpcPort()).usePlaintext().build();
    try {
      StatusRuntimeException e = refusedCall(ch, "low");
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      Metadata trailers = e.getTrailers();
      assertThat(trailers.get(Metadata.Key.of("x-aim-reject-reason", Metadata.ASCII_STRING_MARSHALLER)))
          .isEqualTo("queue_full");
      assertThat(Long.parseLong(trailers.get(
          Metadata.Key.of("retry-after-ms", Metadata.ASCII_STRING_MARSHALLER)))).isPositive();
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(sim.stats().requests()).isEqualTo(1);
  }
}
