package ai.aim.proxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.admission.Priority;
import ai.aim.sim.v2.GRPCInferenceServiceGrpc;
import ai.aim.sim.v2.ModelInferRequest;
import ai.aim.sim.v2.ModelInferResponse;
import ai.aim.sim.v2.ModelStreamInferResponse;
import ai.aim.sim.v2.ServerLiveRequest;
import ai.aim.sim.v2.ServerLiveResponse;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * KServe v2 calls through the proxy with the generated stubs of model-sim's {@code
 * grpc_service.proto}, against an in-test implementation of {@code inference.GRPCInferenceService}.
 */
class KServeThroughProxyTest {

  private Server upstream;
  private GrpcProxy proxy;
  private ManagedChannel channel;
  private final List<CallHead> heads = new CopyOnWriteArrayList<>();

  /** Answers each request with its model, id and a tensor derived from the request. */
  private static final class Inference extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
      out.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
      out.onCompleted();
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
      out.onNext(answer(request));
      out.onCompleted();
    }

    @Override
    public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
      return new StreamObserver<>() {
        @Override
        public void onNext(ModelInferRequest request) {
          out.onNext(ModelStreamInferResponse.newBuilder().setInferResponse(answer(request)).build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }

    private static ModelInferResponse answer(ModelInferRequest request) {
      ByteString raw = request.getRawInputContentsCount() > 0 ? request.getRawInputContents(0) : ByteString.EMPTY;
      return ModelInferResponse.newBuilder()
          .setModelName(request.getModelName())
          .setId(request.getId())
          .addRawOutputContents(raw.concat(raw))
          .build();
    }
  }

  @BeforeEach
  void start() throws IOException {
    upstream =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new Inference())
            .build()
            .start();
    proxy =
        GrpcProxy.builder()
            .bindHost("127.0.0.1")
            .ownEventLoops(2)
            .upstream("127.0.0.1", upstream.getPort())
            .admission(
                (head, executor, cb) -> {
                  heads.add(head);
                  cb.admitted(GrpcAdmission.Permit.NONE);
                })
            .build()
            .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    proxy.close();
    upstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static ModelInferRequest request(String model, String id, int bytes) {
    return ModelInferRequest.newBuilder()
        .setModelName(model)
        .setModelVersion("1")
        .setId(id)
        .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x").setDatatype("BYTES").addShape(bytes))
        .addRawInputContents(ByteString.copyFrom(new byte[bytes]))
        .build();
  }

  @Test
  void aUnaryModelInferGoesThroughWithItsModelReadFromTheRequest() {
    Metadata headers = new Metadata();
    headers.put(CallMetadata.PRIORITY, "low");
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
        GRPCInferenceServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
            .withDeadlineAfter(30, TimeUnit.SECONDS);

    ModelInferResponse response = stub.modelInfer(request("resnet50", "req-1", 100_000));

    assertThat(response.getModelName()).isEqualTo("resnet50");
    assertThat(response.getId()).isEqualTo("req-1");
    assertThat(response.getRawOutputContents(0).size()).isEqualTo(200_000);
    assertThat(heads).singleElement().satisfies(h -> {
      assertThat(h.model()).isEqualTo("resnet50");
      assertThat(h.priority()).isEqualTo(Priority.LOW);
      assertThat(h.fullMethodName()).isEqualTo("inference.GRPCInferenceService/ModelInfer");
    });
  }

  @Test
  void aModelStreamInferCarriesEveryMessageInOrderBothWays() throws InterruptedException {
    List<String> ids = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    StreamObserver<ModelInferRequest> requests =
        GRPCInferenceServiceGrpc.newStub(channel)
            .modelStreamInfer(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ModelStreamInferResponse value) {
                    ids.add(value.getInferResponse().getId());
                  }

                  @Override
                  public void onError(Throwable t) {
                    failure.set(t);
                    done.countDown();
                  }

                  @Override
                  public void onCompleted() {
                    done.countDown();
                  }
                });
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      requests.onNext(request("llama", "s" + i, 1000));
      sent.add("s" + i);
    }
    requests.onCompleted();

    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(failure.get()).isNull();
    assertThat(ids).containsExactlyElementsOf(sent);
    assertThat(heads).singleElement().satisfies(h -> assertThat(h.model()).isEqualTo("llama"));
  }

  @Test
  void aControlCallWithoutAModelIsForwardedWithTheEmptyModel() {
    ServerLiveResponse live = GRPCInferenceServiceGrpc.newBlockingStub(channel).serverLive(ServerLiveRequest.getDefaultInstance());

    assertThat(live.getLive()).isTrue();
    assertThat(heads).singleElement().satisfies(h -> assertThat(h.model()).isEmpty());
  }
}
