package ai.aim.proxy.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real grpc-java server on a loopback port that stands in for a model server: services built by
 * hand with byte-array marshallers, recording what reached it.
 */
final class TestUpstream implements AutoCloseable {

  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  static final Metadata.Key<String> UP_HEADER = Metadata.Key.of("x-up-header", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> UP_TRAILER = Metadata.Key.of("x-up-trailer", Metadata.ASCII_STRING_MARSHALLER);

  static final MethodDescriptor<byte[], byte[]> UNARY = method("test.Echo/Unary", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<byte[], byte[]> CHAT = method("test.Echo/Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
  static final MethodDescriptor<byte[], byte[]> HANG = method("test.Echo/Hang", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<byte[], byte[]> FAIL = method("test.Echo/Fail", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<byte[], byte[]> FLOOD = method("test.Echo/Flood", MethodDescriptor.MethodType.SERVER_STREAMING);
  static final MethodDescriptor<byte[], byte[]> MODEL_INFER =
      method("inference.GRPCInferenceService/ModelInfer", MethodDescriptor.MethodType.UNARY);

  /** Messages the Flood method sends, each {@link #FLOOD_MESSAGE_BYTES} long. */
  static final int FLOOD_MESSAGES = 400;
  static final int FLOOD_MESSAGE_BYTES = 64 * 1024;

  final AtomicReference<Metadata> lastHeaders = new AtomicReference<>();
  final AtomicReference<Deadline> lastDeadline = new AtomicReference<>();
  final AtomicInteger calls = new AtomicInteger();
  final AtomicInteger hanging = new AtomicInteger();
  final AtomicInteger cancellations = new AtomicInteger();
  final AtomicInteger floodSent = new AtomicInteger();
  final AtomicInteger floodNotReady = new AtomicInteger();

  private final Server server;

  TestUpstream() throws IOException {
    ServerServiceDefinition echo =
        ServerServiceDefinition.builder("test.Echo")
            .addMethod(UNARY, ServerCalls.asyncUnaryCall(this::echo))
            .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(this::chat))
            .addMethod(HANG, ServerCalls.asyncUnaryCall(this::hang))
            .addMethod(FAIL, ServerCalls.asyncUnaryCall(this::fail))
            .addMethod(FLOOD, ServerCalls.asyncServerStreamingCall(this::flood))
            .build();
    ServerServiceDefinition inference =
        ServerServiceDefinition.builder("inference.GRPCInferenceService")
            .addMethod(MODEL_INFER, ServerCalls.asyncUnaryCall(this::echo))
            .build();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(ServerInterceptors.intercept(echo, new Recorder()))
            .addService(ServerInterceptors.intercept(inference, new Recorder()))
            .build()
            .start();
  }

  int port() {
    return server.getPort();
  }

  private void echo(byte[] request, StreamObserver<byte[]> out) {
    out.onNext(request);
    out.onCompleted();
  }

  private StreamObserver<byte[]> chat(StreamObserver<byte[]> out) {
    return new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {
        out.onNext(("echo:" + new String(value, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        out.onCompleted();
      }
    };
  }

  private void hang(byte[] request, StreamObserver<byte[]> out) {
    Context.current().addListener(ctx -> cancellations.incrementAndGet(), Runnable::run);
    hanging.incrementAndGet();
  }

  private void fail(byte[] request, StreamObserver<byte[]> out) {
    Metadata trailers = new Metadata();
    trailers.put(UP_TRAILER, "why");
    out.onError(Status.NOT_FOUND.withDescription("no such thing").asRuntimeException(trailers));
  }

  /** Sends {@link #FLOOD_MESSAGES} while the client keeps up; counts each time it must wait. */
  private void flood(byte[] request, StreamObserver<byte[]> out) {
    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) out;
    byte[] chunk = new byte[FLOOD_MESSAGE_BYTES];
    AtomicBoolean completed = new AtomicBoolean();
    call.setOnReadyHandler(
        () -> {
          while (floodSent.get() < FLOOD_MESSAGES) {
            if (!call.isReady()) {
              floodNotReady.incrementAndGet();
              return;
            }
            chunk[0] = (byte) floodSent.get();
            call.onNext(chunk);
            floodSent.incrementAndGet();
          }
          if (completed.compareAndSet(false, true)) {
            call.onCompleted();
          }
        });
  }

  /** Records request metadata and the deadline; adds a response header and a trailer. */
  private final class Recorder implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      calls.incrementAndGet();
      lastHeaders.set(headers);
      lastDeadline.set(Context.current().getDeadline());
      return next.startCall(
          new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
              responseHeaders.put(UP_HEADER, "from-upstream");
              super.sendHeaders(responseHeaders);
            }

            @Override
            public void close(Status status, Metadata trailers) {
              if (!trailers.containsKey(UP_TRAILER)) {
                trailers.put(UP_TRAILER, "done");
              }
              super.close(status, trailers);
            }
          },
          headers);
    }
  }

  private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.newBuilder(BYTES, BYTES).setFullMethodName(name).setType(type).build();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
