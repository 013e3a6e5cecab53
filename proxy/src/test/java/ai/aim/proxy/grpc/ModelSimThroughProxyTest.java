package ai.aim.proxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.aim.sim.ModelSim;
import ai.aim.sim.SimConfig;
import ai.aim.sim.v2.GRPCInferenceServiceGrpc;
import ai.aim.sim.v2.ModelInferRequest;
import ai.aim.sim.v2.ModelInferResponse;
import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The pass-through in front of the real simulated model server of module model-sim. */
class ModelSimThroughProxyTest {

  private ModelSim sim;
  private GrpcProxy proxy;
  private ManagedChannel channel;

  private GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub start(SimConfig.Builder config) throws Exception {
    sim = ModelSim.start(config.host("127.0.0.1").httpPort(0).grpcPort(0).model("m1").build());
    proxy =
        GrpcProxy.builder()
            .bindHost("127.0.0.1")
            .ownEventLoops(1)
            .upstream("127.0.0.1", sim.grpcPort())
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
    return GRPCInferenceServiceGrpc.newBlockingStub(channel);
  }

  private static ModelInferRequest request(String id) {
    return ModelInferRequest.newBuilder()
        .setModelName("m1")
        .setId(id)
        .addInputs(
            ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("FP32").addShape(1).addShape(4))
        .addRawInputContents(ByteString.copyFrom(new byte[16]))
        .build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (proxy != null) {
      proxy.close();
    }
    if (sim != null) {
      sim.close();
    }
  }

  @Test
  void aUnaryModelInferIsAnsweredByTheModelServer() throws Exception {
    var stub = start(SimConfig.builder().serviceMs(0));

    ModelInferResponse response =
        stub.withDeadlineAfter(10, TimeUnit.SECONDS)
            .modelInfer(request("a"));

    assertThat(response.getModelName()).isEqualTo("m1");
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.stats().completed() == 1);
  }

  @Test
  void aClientCancelReachesTheModelServerAsACancellation() throws Exception {
    var stub = start(SimConfig.builder().serviceMs(60_000));
    Context.CancellableContext context = Context.current().withCancellation();

    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread caller =
        new Thread(
            () ->
                context.run(
                    () -> {
                      try {
                        stub.modelInfer(request("b"));
                      } catch (RuntimeException e) {
                        failure.set(e);
                      }
                    }));
    caller.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.stats().inFlight() + sim.stats().queued() == 1);

    context.cancel(null);

    caller.join(5_000);
    assertThat(failure.get())
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.stats().cancelled() == 1);
  }

  @Test
  void aModelServerSlowerThanTheDeadlineGivesDeadlineExceededAndIsCancelled() throws Exception {
    var stub = start(SimConfig.builder().serviceMs(60_000));

    assertThatThrownBy(
            () ->
                stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS)
                    .modelInfer(request("b")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    await().atMost(Duration.ofSeconds(5)).until(() -> sim.stats().cancelled() == 1);
  }
}
