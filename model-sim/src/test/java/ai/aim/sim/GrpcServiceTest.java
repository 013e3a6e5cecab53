package ai.aim.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.aim.sim.v2.GRPCInferenceServiceGrpc;
import ai.aim.sim.v2.InferParameter;
import ai.aim.sim.v2.InferTensorContents;
import ai.aim.sim.v2.ModelInferRequest;
import ai.aim.sim.v2.ModelInferResponse;
import ai.aim.sim.v2.ModelMetadataRequest;
import ai.aim.sim.v2.ModelMetadataResponse;
import ai.aim.sim.v2.ModelReadyRequest;
import ai.aim.sim.v2.ModelStreamInferResponse;
import ai.aim.sim.v2.ServerLiveRequest;
import ai.aim.sim.v2.ServerMetadataRequest;
import ai.aim.sim.v2.ServerReadyRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GrpcServiceTest {
  static ModelSim sim;
  static ManagedChannel channel;
  static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking;

  @BeforeAll
  static void start() {
    sim = ModelSim.start(SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(0)
        .slots(2).serviceMs(1).decodeMsPerToken(2).build());
    channel = NettyChannelBuilder.forAddress("127.0.0.1", sim.grpcPort()).usePlaintext().build();
    blocking = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    sim.close();
  }

  static ModelInferRequest request(String model, long priority) {
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(model).setId("q1")
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32")
            .addShape(1).addShape(3)
            .setContents(InferTensorContents.newBuilder().addFp32Contents(1).addFp32Contents(2).addFp32Contents(3)));
    if (priority >= 0) {
      b.putParameters("priority", InferParameter.newBuilder().setInt64Param(priority).build());
    }
    return b.build();
  }

  @Test
  void answersEveryUnaryHealthAndMetadataRpc() {
    assertThat(blocking.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
    assertThat(blocking.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
    assertThat(blocking.modelReady(ModelReadyRequest.newBuilder().setName("demo").build()).getReady()).isTrue();
    assertThat(blocking.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName())
        .isEqualTo("aim-model-sim");
    ModelMetadataResponse meta = blocking.modelMetadata(ModelMetadataRequest.newBuilder().setName("demo").build());
    assertThat(meta.getName()).isEqualTo("demo");
    assertThat(meta.getVersionsList()).containsExactly("1");
    assertThat(meta.getInputs(0).getShapeList()).containsExactly(-1L);
    assertThatThrownBy(() -> blocking.modelReady(ModelReadyRequest.newBuilder().setName("nope").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    sim.setReady(false);
    try {
      assertThat(blocking.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isFalse();
    } finally {
      sim.setReady(true);
    }
  }

  @Test
  void infersAndRecordsThePriorityParameter() {
    long before = sim.stats().priorities().getOrDefault("2", 0L);
    ModelInferResponse r = blocking.modelInfer(request("demo", 2));
    assertThat(r.getModelName()).isEqualTo("demo");
    assertThat(r.getId()).isEqualTo("q1");
    assertThat(r.getOutputs(0).getShapeList()).containsExactly(1L, 3L);
    assertThat(r.getOutputs(0).getContents().getFp32ContentsList()).containsExactly(1f, 2f, 3f);
    assertThat(sim.stats().priorities()).containsEntry("2", before + 1);
    assertThatThrownBy(() -> blocking.modelInfer(request("nope", -1)))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    assertThatThrownBy(() -> blocking.modelInfer(ModelInferRequest.newBuilder().setModelName("demo").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void streamsOneResponsePerTokenAndOnePerPlainRequest() throws Exception {
    List<ModelStreamInferResponse> got = new CopyOnWriteArrayList<>();
    CountDownLatch completed = new CountDownLatch(1);
    StreamObserver<ModelInferRequest> requests = GRPCInferenceServiceGrpc.newStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .modelStreamInfer(new StreamObserver<>() {
          @Override
          public void onNext(ModelStreamInferResponse value) {
            got.add(value);
          }

          @Override
          public void onError(Throwable t) {
            completed.countDown();
          }

          @Override
          public void onCompleted() {
            completed.countDown();
          }
        });
    requests.onNext(request("demo", -1).toBuilder()
        .putParameters("max_tokens", InferParameter.newBuilder().setInt64Param(5).build()).build());
    requests.onNext(request("nope", -1));
    requests.onCompleted();
    assertThat(completed.await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(got).filteredOn(r -> !r.getErrorMessage().isEmpty()).singleElement()
        .satisfies(r -> assertThat(r.getErrorMessage()).contains("nope"));
    List<ModelStreamInferResponse> tokens = got.stream().filter(r -> r.hasInferResponse()).toList();
    assertThat(tokens).hasSize(5);
    assertThat(tokens.get(4).getInferResponse().getParametersMap().get("triton_final_response").getBoolParam())
        .isTrue();
    assertThat(tokens.get(0).getInferResponse().getParametersMap().get("triton_final_response").getBoolParam())
        .isFalse();
    assertThat(tokens.get(0).getInferResponse().getOutputs(0).getName()).isEqualTo("text");
  }

  @Test
  void aCancelledCallFreesItsSlotAndCountsAsCancelled() {
    try (ModelSim slow = ModelSim.start(SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(0)
        .slots(1).serviceMs(60_000).build())) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", slow.grpcPort()).usePlaintext().build();
      try {
        Context.CancellableContext ctx = Context.current().withCancellation();
        ctx.run(() -> GRPCInferenceServiceGrpc.newStub(ch).modelInfer(request("demo", -1), new StreamObserver<>() {
          @Override
          public void onNext(ModelInferResponse value) {}

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        }));
        await().atMost(Duration.ofSeconds(10)).until(() -> slow.stats().inFlight() == 1);
        ctx.cancel(null);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
          assertThat(slow.stats().cancelled()).isEqualTo(1);
          assertThat(slow.stats().inFlight()).isZero();
        });
      } finally {
        ch.shutdownNow();
      }
    }
  }
}
