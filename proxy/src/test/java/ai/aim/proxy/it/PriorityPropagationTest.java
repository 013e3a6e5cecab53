package ai.aim.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.Sidecar;
import ai.aim.proxy.config.ConfigLoader;
import ai.aim.proxy.testing.TestUpstream;
import ai.aim.sim.ModelSim;
import ai.aim.sim.ServiceDistribution;
import ai.aim.sim.SimConfig;
import ai.aim.sim.v2.GRPCInferenceServiceGrpc;
import ai.aim.sim.v2.InferParameter;
import ai.aim.sim.v2.ModelInferRequest;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The admission class reaches the engine in its own terms: vLLM's {@code priority} body field and
 * Triton's {@code priority} parameter (KServe v2 REST and gRPC), seen by a real model-sim, which
 * counts the priority values it receives; and what must pass untouched does, seen byte for byte by
 * a capturing upstream.
 */
class PriorityPropagationTest {

  private static final String INFER =
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1.0]}]}";

  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private ModelSim sim;
  private TestUpstream capture;
  private Sidecar sidecar;

  @AfterEach
  void stop() {
    if (sidecar != null) {
      sidecar.close();
    }
    if (sim != null) {
      sim.close();
    }
    if (capture != null) {
      capture.close();
    }
  }

  private void startSidecar(String upstreamHttp, int upstreamGrpc) throws Exception {
    String y = "http: {bind: 127.0.0.1, port: 0}\n"
        + "grpc: {bind: 127.0.0.1, port: 0}\n"
        + "admin: {bind: 127.0.0.1, port: 0}\n"
        + "eventLoops: 2\n"
        + "upstream: {http: '" + upstreamHttp + "', grpc: '127.0.0.1:" + upstreamGrpc + "'}\n"
        + "admission: {maxInflight: 4}\n"
        + "models:\n"
        + "  llama: {propagation: {enabled: true, maxBodyBytes: 4096}}\n"
        + "  plain: {}\n";
    sidecar = Sidecar.start(() -> ConfigLoader.parse(y, Map.of()), null, null, null, System::nanoTime);
  }

  private void startSim() throws Exception {
    sim = ModelSim.start(SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(0)
        .model("llama").slots(4).serviceMs(1).serviceDist(ServiceDistribution.CONSTANT)
        .eventLoops(1).build());
    startSidecar(sim.httpBaseUrl(), sim.grpcPort());
  }

  private HttpResponse<String> post(String path, String model, String priority, byte[] body)
      throws Exception {
    HttpRequest r = HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sidecar.server().httpPort() + path))
        .header("x-aim-model", model)
        .header("x-aim-priority", priority)
        .header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    return client.send(r, HttpResponse.BodyHandlers.ofString());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void openAiBodiesCarryVllmsPriorityFieldForTheirClass() throws Exception {
    startSim();
    String chat = "{\"model\":\"llama\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2}";
    assertThat(post("/v1/chat/completions", "llama", "low", utf8(chat)).statusCode()).isEqualTo(200);
    // A client's own value does not survive: the admitted class is what the engine hears.
    String completion = "{\"model\":\"llama\",\"prompt\":\"hi\",\"max_tokens\":2,\"priority\":-100}";
    assertThat(post("/v1/completions", "llama", "high", utf8(completion)).statusCode()).isEqualTo(200);
    assertThat(post("/v1/completions", "llama", "medium", utf8(completion)).statusCode()).isEqualTo(200);
    assertThat(sim.stats().priorities()).containsExactlyInAnyOrderEntriesOf(
        Map.of("2", 1L, "0", 1L, "1", 1L));
  }

  @Test
  void kserveRestAndGrpcInferCarryTritonsPriorityParameter() throws Exception {
    startSim();
    assertThat(post("/v2/models/llama/infer", "llama", "high", utf8(INFER)).statusCode()).isEqualTo(200);
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", sidecar.grpcPort()).usePlaintext().build();
    try {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("x-aim-priority", Metadata.ASCII_STRING_MARSHALLER), "low");
      GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
          GRPCInferenceServiceGrpc.newBlockingStub(ch)
              .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
              .withDeadlineAfter(10, TimeUnit.SECONDS);
      ModelInferRequest req = ModelInferRequest.newBuilder()
          .setModelName("llama")
          .putParameters("priority", InferParameter.newBuilder().setInt64Param(1).build())
          .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
              .setName("x").setDatatype("FP32").addShape(1))
          .addRawInputContents(ByteString.copyFrom(new byte[4]))
          .build();
      stub.modelInfer(req);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(sim.stats().priorities()).containsExactlyInAnyOrderEntriesOf(Map.of("1", 1L, "3", 1L));
  }

  @Test
  void everyMessageOfAStreamingInferCallCarriesThePriorityParameter() throws Exception {
    startSim();
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", sidecar.grpcPort()).usePlaintext().build();
    try {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("x-aim-priority", Metadata.ASCII_STRING_MARSHALLER), "medium");
      // The model named in metadata: no message is read whole, each is streamed with the entry.
      md.put(Metadata.Key.of("x-aim-model", Metadata.ASCII_STRING_MARSHALLER), "llama");
      GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub = GRPCInferenceServiceGrpc.newStub(ch)
          .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md))
          .withDeadlineAfter(10, TimeUnit.SECONDS);
      java.util.concurrent.CompletableFuture<Integer> done = new java.util.concurrent.CompletableFuture<>();
      java.util.concurrent.atomic.AtomicInteger answers = new java.util.concurrent.atomic.AtomicInteger();
      io.grpc.stub.StreamObserver<ModelInferRequest> requests = stub.modelStreamInfer(
          new io.grpc.stub.StreamObserver<>() {
            @Override
            public void onNext(ai.aim.sim.v2.ModelStreamInferResponse r) {
              answers.incrementAndGet();
            }

            @Override
            public void onError(Throwable t) {
              done.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              done.complete(answers.get());
            }
          });
      for (int i = 0; i < 3; i++) {
        requests.onNext(ModelInferRequest.newBuilder()
            .setModelName("llama")
            .setId("s" + i)
            .addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                .setName("x").setDatatype("FP32").addShape(1))
            .addRawInputContents(ByteString.copyFrom(new byte[4]))
            .build());
      }
      requests.onCompleted();
      assertThat(done.get(10, TimeUnit.SECONDS)).isEqualTo(3);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    assertThat(sim.stats().priorities()).containsExactlyInAnyOrderEntriesOf(Map.of("2", 3L));
  }

  @Test
  void aBodyOverTheBoundAMalformedBodyAndAModelWithoutPropagationPassByteForByte() throws Exception {
    List<byte[]> bodies = new CopyOnWriteArrayList<>();
    capture = new TestUpstream().route("/v1/chat/completions", ex -> {
      bodies.add(ex.getRequestBody().readAllBytes());
      TestUpstream.respond(ex, 200, "{}");
    });
    startSidecar(capture.url(), 1);

    StringBuilder big = new StringBuilder("{\"model\":\"llama\",\"messages\":[{\"role\":\"user\",\"content\":\"");
    while (big.length() < 5000) {
      big.append("lorem ipsum ");
    }
    big.append("\"}]}");
    byte[] large = utf8(big.toString());
    byte[] malformed = utf8("{\"model\":\"llama\",\"messages\":[{\"role\":\"user\"");
    byte[] small = utf8("{\"model\":\"plain\",\"messages\":[]}");
    byte[] rewritten = utf8("{\"model\":\"llama\",\"messages\":[]}");

    assertThat(post("/v1/chat/completions", "llama", "low", large).statusCode()).isEqualTo(200);
    assertThat(post("/v1/chat/completions", "llama", "low", malformed).statusCode()).isEqualTo(200);
    assertThat(post("/v1/chat/completions", "plain", "low", small).statusCode()).isEqualTo(200);
    assertThat(post("/v1/chat/completions", "llama", "low", rewritten).statusCode()).isEqualTo(200);

    assertThat(bodies).hasSize(4);
    assertThat(bodies.get(0)).isEqualTo(large);
    assertThat(bodies.get(1)).isEqualTo(malformed);
    assertThat(bodies.get(2)).isEqualTo(small);
    assertThat(new String(bodies.get(3), StandardCharsets.UTF_8))
        .isEqualTo("{\"priority\":2,\"model\":\"llama\",\"messages\":[]}");
    assertThat(capture.last().header("content-length")).isEqualTo(Integer.toString(bodies.get(3).length));
  }
}
