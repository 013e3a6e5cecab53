package ai.aim.sim.grpc;

import ai.aim.sim.engine.Engine;
import ai.aim.sim.engine.Generation;
import ai.aim.sim.engine.Simulator;
import ai.aim.sim.engine.Ticket;
import ai.aim.sim.engine.Tokens;
import ai.aim.sim.v2.GRPCInferenceServiceGrpc;
import ai.aim.sim.v2.InferParameter;
import ai.aim.sim.v2.InferTensorContents;
import ai.aim.sim.v2.ModelInferRequest;
import ai.aim.sim.v2.ModelInferResponse;
import ai.aim.sim.v2.ModelMetadataRequest;
import ai.aim.sim.v2.ModelMetadataResponse;
import ai.aim.sim.v2.ModelReadyRequest;
import ai.aim.sim.v2.ModelReadyResponse;
import ai.aim.sim.v2.ModelStreamInferResponse;
import ai.aim.sim.v2.ServerLiveRequest;
import ai.aim.sim.v2.ServerLiveResponse;
import ai.aim.sim.v2.ServerMetadataRequest;
import ai.aim.sim.v2.ServerMetadataResponse;
import ai.aim.sim.v2.ServerReadyRequest;
import ai.aim.sim.v2.ServerReadyResponse;
import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;

/**
 * The KServe v2 gRPC service over the shared {@link Simulator}. Stateless itself; each call
 * picks one event loop of the server's group and does all of its work there (admission
 * callbacks, timers, response writes), so a call's observer is only ever written from one thread.
 *
 * <p>ModelStreamInfer: each request is one inference. A request parameter {@code max_tokens}
 * (int64, default 1) makes it a decoupled generation that answers one response per token, the
 * last one carrying the parameter {@code triton_final_response = true}, as Triton's decoupled
 * models do.
 */
public final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  private final Simulator sim;
  private final EventLoopGroup loops;

  /** Creates the service; {@code loops} runs the simulated work of each call. */
  public InferenceService(Simulator sim, EventLoopGroup loops) {
    this.sim = sim;
    this.loops = loops;
  }

  @Override
  public void serverLive(ServerLiveRequest req, StreamObserver<ServerLiveResponse> out) {
    out.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
    out.onCompleted();
  }

  @Override
  public void serverReady(ServerReadyRequest req, StreamObserver<ServerReadyResponse> out) {
    out.onNext(ServerReadyResponse.newBuilder().setReady(sim.ready()).build());
    out.onCompleted();
  }

  @Override
  public void modelReady(ModelReadyRequest req, StreamObserver<ModelReadyResponse> out) {
    if (!knownModel(req.getName(), out)) {
      return;
    }
    out.onNext(ModelReadyResponse.newBuilder().setReady(sim.ready()).build());
    out.onCompleted();
  }

  @Override
  public void serverMetadata(ServerMetadataRequest req, StreamObserver<ServerMetadataResponse> out) {
    out.onNext(ServerMetadataResponse.newBuilder().setName("aim-model-sim").setVersion("0.1.0").build());
    out.onCompleted();
  }

  @Override
  public void modelMetadata(ModelMetadataRequest req, StreamObserver<ModelMetadataResponse> out) {
    if (!knownModel(req.getName(), out)) {
      return;
    }
    ModelMetadataResponse.TensorMetadata in = ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName("input0").setDatatype("FP32").addShape(-1).build();
    ModelMetadataResponse.TensorMetadata outT = ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName("output0").setDatatype("FP32").addShape(-1).build();
    out.onNext(ModelMetadataResponse.newBuilder().setName(req.getName()).addVersions("1")
        .setPlatform("aim-sim").addInputs(in).addOutputs(outT).build());
    out.onCompleted();
  }

  private boolean knownModel(String model, StreamObserver<?> out) {
    if (sim.hasModel(model)) {
      return true;
    }
    out.onError(Status.NOT_FOUND.withDescription("unknown model: " + model).asRuntimeException());
    return false;
  }

  @Override
  public void modelInfer(ModelInferRequest req, StreamObserver<ModelInferResponse> out) {
    String invalid = validate(req);
    if (invalid != null) {
      Status s = sim.hasModel(req.getModelName()) ? Status.INVALID_ARGUMENT : Status.NOT_FOUND;
      out.onError(s.withDescription(invalid).asRuntimeException());
      return;
    }
    sim.engine().arrived(priority(req));
    switch (sim.rollFault()) {
      case FAIL -> {
        out.onError(Status.INTERNAL.withDescription("injected failure (--fail-rate)").asRuntimeException());
        return;
      }
      case HANG -> {
        return;
      }
      default -> { }
    }
    ServerCallStreamObserver<ModelInferResponse> call = (ServerCallStreamObserver<ModelInferResponse>) out;
    Generation g = Generation.begin(sim.engine(), sim.times(), loops.next(), elements(req),
        Engine.rank(priority(req)), 1, false,
        new Generation.Listener() {
          @Override
          public void rejected(Ticket.State reason) {
            out.onError(rejection(reason, 1 + elements(req)).asRuntimeException());
          }

          @Override
          public void started() {}

          @Override
          public void token(int index) {}

          @Override
          public void finished() {
            if (!call.isCancelled()) {
              out.onNext(mirror(req, null, null));
              out.onCompleted();
            }
          }
        });
    call.setOnCancelHandler(g::cancel);
  }

  @Override
  public StreamObserver<ModelInferRequest> modelStreamInfer(StreamObserver<ModelStreamInferResponse> out) {
    return new StreamCall(loops.next(), out);
  }

  /** One ModelStreamInfer call; all state confined to {@code loop}. */
  private final class StreamCall implements StreamObserver<ModelInferRequest> {
    private final EventExecutor loop;
    private final StreamObserver<ModelStreamInferResponse> out;
    private final List<Generation> pending = new ArrayList<>();
    private boolean halfClosed;
    private boolean over;

    StreamCall(EventExecutor loop, StreamObserver<ModelStreamInferResponse> out) {
      this.loop = loop;
      this.out = out;
    }

    @Override
    public void onNext(ModelInferRequest req) {
      loop.execute(() -> start(req));
    }

    private void start(ModelInferRequest req) {
      if (over) {
        return;
      }
      String invalid = validate(req);
      if (invalid == null && maxTokens(req) < 1) {
        invalid = "parameters.max_tokens: " + maxTokens(req) + " (expected: >= 1)";
      }
      if (invalid != null) {
        out.onNext(ModelStreamInferResponse.newBuilder().setErrorMessage(invalid).build());
        return;
      }
      sim.engine().arrived(priority(req));
      switch (sim.rollFault()) {
        case FAIL -> {
          out.onNext(ModelStreamInferResponse.newBuilder()
              .setErrorMessage("injected failure (--fail-rate)").build());
          return;
        }
        case HANG -> {
          return;
        }
        default -> { }
      }
      int tokens = (int) maxTokens(req);
      Generation[] self = new Generation[1];
      self[0] = Generation.begin(sim.engine(), sim.times(), loop, elements(req),
          Engine.rank(priority(req)), tokens, tokens > 1,
          new Generation.Listener() {
            @Override
            public void rejected(Ticket.State reason) {
              out.onNext(ModelStreamInferResponse.newBuilder()
                  .setErrorMessage(rejection(reason, tokens + elements(req)).getDescription()).build());
              done(self[0]);
            }

            @Override
            public void started() {}

            @Override
            public void token(int index) {
              out.onNext(ModelStreamInferResponse.newBuilder()
                  .setInferResponse(mirror(req, Tokens.word(index), index == tokens - 1)).build());
            }

            @Override
            public void finished() {
              if (tokens == 1) {
                out.onNext(ModelStreamInferResponse.newBuilder()
                    .setInferResponse(mirror(req, null, true)).build());
              }
              done(self[0]);
            }
          });
      pending.add(self[0]);
    }

    private void done(Generation g) {
      pending.remove(g);
      if (halfClosed && pending.isEmpty() && !over) {
        over = true;
        out.onCompleted();
      }
    }

    @Override
    public void onError(Throwable t) {
      loop.execute(() -> {
        over = true;
        for (Generation g : pending) {
          g.cancel();
        }
        pending.clear();
      });
    }

    @Override
    public void onCompleted() {
      loop.execute(() -> {
        halfClosed = true;
        if (pending.isEmpty() && !over) {
          over = true;
          out.onCompleted();
        }
      });
    }
  }

  private String validate(ModelInferRequest req) {
    if (!sim.hasModel(req.getModelName())) {
      return "unknown model: " + req.getModelName();
    }
    if (req.getInputsCount() == 0) {
      return "inputs: [] (expected: at least one input tensor)";
    }
    for (int i = 0; i < req.getInputsCount(); i++) {
      ModelInferRequest.InferInputTensor t = req.getInputs(i);
      if (t.getName().isEmpty()) {
        return "inputs[" + i + "].name: '' (expected: a non-empty name)";
      }
      if (t.getDatatype().isEmpty()) {
        return "inputs[" + i + "].datatype: '' (expected: a v2 datatype such as FP32)";
      }
      for (long d : t.getShapeList()) {
        if (d < 0) {
          return "inputs[" + i + "].shape: " + t.getShapeList() + " (expected: dimensions >= 0)";
        }
      }
    }
    if (req.getRawInputContentsCount() != 0 && req.getRawInputContentsCount() != req.getInputsCount()) {
      return "raw_input_contents: " + req.getRawInputContentsCount() + " entries (expected: "
          + req.getInputsCount() + ", one per input)";
    }
    return null;
  }

  private static long elements(ModelInferRequest req) {
    long n = 0;
    for (ModelInferRequest.InferInputTensor t : req.getInputsList()) {
      long e = 1;
      for (long d : t.getShapeList()) {
        e *= d;
      }
      n += e;
    }
    return Math.max(1, n);
  }

  private static long maxTokens(ModelInferRequest req) {
    InferParameter p = req.getParametersMap().get("max_tokens");
    if (p == null) {
      return 1;
    }
    return switch (p.getParameterChoiceCase()) {
      case INT64_PARAM -> p.getInt64Param();
      case UINT64_PARAM -> p.getUint64Param();
      default -> 0;
    };
  }

  /** The request's {@code priority} parameter as text, or null. */
  static String priority(ModelInferRequest req) {
    InferParameter p = req.getParametersMap().get("priority");
    if (p == null) {
      return null;
    }
    return switch (p.getParameterChoiceCase()) {
      case INT64_PARAM -> Long.toString(p.getInt64Param());
      case UINT64_PARAM -> Long.toUnsignedString(p.getUint64Param());
      case STRING_PARAM -> p.getStringParam();
      case DOUBLE_PARAM -> Double.toString(p.getDoubleParam());
      case BOOL_PARAM -> Boolean.toString(p.getBoolParam());
      default -> null;
    };
  }

  private Status rejection(Ticket.State reason, long kvTokens) {
    return reason == Ticket.State.REJECTED_TOO_LARGE
        ? Status.INVALID_ARGUMENT.withDescription("request needs " + kvTokens
            + " KV-cache tokens (expected: <= " + sim.config().kvCacheTokens() + ")")
        : Status.RESOURCE_EXHAUSTED.withDescription("queue full (max-queue " + sim.config().maxQueue() + ")");
  }

  /**
   * The identity model's answer: outputs mirror the inputs ("output0", ...). With {@code token}
   * non-null, a streamed token: one BYTES output "text" holding it. {@code last} non-null marks a
   * stream response with Triton's {@code triton_final_response} parameter.
   */
  private static ModelInferResponse mirror(ModelInferRequest req, String token, Boolean last) {
    ModelInferResponse.Builder b = ModelInferResponse.newBuilder()
        .setModelName(req.getModelName()).setModelVersion("1").setId(req.getId());
    if (token != null) {
      b.addOutputs(ModelInferResponse.InferOutputTensor.newBuilder().setName("text")
          .setDatatype("BYTES").addShape(1)
          .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8(token))));
    } else {
      for (int i = 0; i < req.getInputsCount(); i++) {
        ModelInferRequest.InferInputTensor in = req.getInputs(i);
        ModelInferResponse.InferOutputTensor.Builder o = ModelInferResponse.InferOutputTensor.newBuilder()
            .setName("output" + i).setDatatype(in.getDatatype()).addAllShape(in.getShapeList());
        if (in.hasContents()) {
          o.setContents(in.getContents());
        }
        b.addOutputs(o);
      }
      b.addAllRawOutputContents(req.getRawInputContentsList());
    }
    if (last != null) {
      b.putParameters("triton_final_response", InferParameter.newBuilder().setBoolParam(last).build());
    }
    return b.build();
  }
}
