package ai.aim.proxy.grpc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;
import com.google.protobuf.CodedOutputStream;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pass-through with real grpc-java clients and a real upstream server over loopback. */
class GrpcProxyTest {

  private static final Metadata.Key<String> CUSTOM = Metadata.Key.of("x-custom", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<byte[]> CUSTOM_BIN = Metadata.Key.of("x-custom-bin", Metadata.BINARY_BYTE_MARSHALLER);

  private static EventLoopGroup boss;
  private static EventLoopGroup workers;
  private static TestUpstream upstream;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final ConcurrentLinkedQueue<Finished> finished = new ConcurrentLinkedQueue<>();

  record Finished(String model, Priority priority, Outcome outcome, long queueNanos, long upstreamNanos) {}

  @BeforeAll
  static void startUpstream() throws IOException {
    boss = new NioEventLoopGroup(1);
    workers = new NioEventLoopGroup(2);
    upstream = new TestUpstream();
  }

  @AfterAll
  static void stopUpstream() throws InterruptedException {
    upstream.close();
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private GrpcProxy.Builder proxyBuilder(int upstreamPort) {
    return GrpcProxy.builder()
        .bindHost("127.0.0.1")
        .port(0)
        .eventLoops(boss, workers, NioServerSocketChannel.class, NioSocketChannel.class)
        .upstream("127.0.0.1", upstreamPort)
        .observer(
            (model, priority, outcome, queue, up, ttfb, total) ->
                finished.add(new Finished(model, priority, outcome, queue, up)));
  }

  private ManagedChannel start(GrpcProxy.Builder builder) throws IOException {
    GrpcProxy proxy = builder.build().start();
    closeables.add(proxy);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
    closeables.add(() -> {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    });
    return channel;
  }

  private static io.grpc.Channel withHeaders(io.grpc.Channel channel, Metadata headers) {
    return ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static Metadata md(Metadata.Key<String> key, String value) {
    Metadata m = new Metadata();
    m.put(key, value);
    return m;
  }

  private Finished onlyFinished() {
    await().atMost(Duration.ofSeconds(5)).until(() -> !finished.isEmpty());
    assertThat(finished).hasSize(1);
    return finished.peek();
  }

  @Test
  void forwardsAUnaryCallWithItsMetadataResponseHeadersAndTrailers() throws Exception {
    ManagedChannel channel = start(proxyBuilder(upstream.port()));
    Metadata headers = new Metadata();
    headers.put(CUSTOM, "abc");
    headers.put(CUSTOM_BIN, new byte[] {0, 1, 2, (byte) 255});
    AtomicReference<Metadata> responseHeaders = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    io.grpc.Channel ch =
        ClientInterceptors.intercept(
            withHeaders(channel, headers),
            MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers));

    byte[] answer = ClientCalls.blockingUnaryCall(ch, TestUpstream.UNARY, CallOptions.DEFAULT, "hello".getBytes(UTF_8));

    assertThat(new String(answer, UTF_8)).isEqualTo("hello");
    Metadata seen = upstream.lastHeaders.get();
    assertThat(seen.get(CUSTOM)).isEqualTo("abc");
    assertThat(seen.get(CUSTOM_BIN)).containsExactly(0, 1, 2, 255);
    assertThat(seen.getAll(Metadata.Key.of("content-type", Metadata.ASCII_STRING_MARSHALLER))).hasSize(1);
    assertThat(responseHeaders.get().get(TestUpstream.UP_HEADER)).isEqualTo("from-upstream");
    assertThat(trailers.get().get(TestUpstream.UP_TRAILER)).isEqualTo("done");
    Finished f = onlyFinished();
    assertThat(f.outcome()).isEqualTo(Outcome.OK);
    assertThat(f.priority()).isEqualTo(Priority.MEDIUM);
    assertThat(f.upstreamNanos()).isPositive();
  }

  @Test
  void streamsBidiMessagesInOrderBothWays() throws Exception {
    ManagedChannel channel = start(proxyBuilder(upstream.port()));
    List<String> received = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    AtomicReference<Throwable> error = new AtomicReference<>();
    StreamObserver<byte[]> requests =
        ClientCalls.asyncBidiStreamingCall(
            channel.newCall(TestUpstream.CHAT, CallOptions.DEFAULT),
            new StreamObserver<>() {
              @Override
              public void onNext(byte[] value) {
                received.add(new String(value, UTF_8));
              }

              @Override
              public void onError(Throwable t) {
                error.set(t);
                done.countDown();
              }

              @Override
              public void onCompleted() {
                done.countDown();
              }
            });
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      requests.onNext(("m" + i).getBytes(UTF_8));
      expected.add("echo:m" + i);
    }
    requests.onCompleted();

    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(error.get()).isNull();
    assertThat(received).containsExactlyElementsOf(expected);
    assertThat(onlyFinished().outcome()).isEqualTo(Outcome.OK);
  }

  @Test
  void passesTheClientDeadlineToTheUpstream() throws Exception {
    ManagedChannel channel = start(proxyBuilder(upstream.port()));

    ClientCalls.blockingUnaryCall(
        channel, TestUpstream.UNARY, CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), new byte[] {1});

    assertThat(upstream.lastDeadline.get()).isNotNull();
    assertThat(upstream.lastDeadline.get().timeRemaining(TimeUnit.SECONDS)).isBetween(0L, 30L);
  }

  @Test
  void tightensTheDeadlineWithAimDeadlineMetadata() throws Exception {
    ManagedChannel channel = start(proxyBuilder(upstream.port()));
    io.grpc.Channel ch = withHeaders(channel, md(CallMetadata.DEADLINE_MS, "20000"));

    ClientCalls.blockingUnaryCall(
        ch, TestUpstream.UNARY, CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.SECONDS), new byte[] {1});

    assertThat(upstream.lastDeadline.get()).isNotNull();
    assertThat(upstream.lastDeadline.get().timeRemaining(TimeUnit.SECONDS)).isLessThanOrEqualTo(20L);
  }

  @Test
  void anUpstreamThatHangsPastTheClientDeadlineGivesDeadlineExceededAndIsCancelled() throws Exception {
    ManagedChannel channel = start(proxyBuilder(upstream.port()));
    int cancelledBefore = upstream.cancellations.get();

    assertThatThrownBy(
            () ->
                ClientCalls.blockingUnaryCall(
                    channel, TestUpstream.HANG, CallOptions.DEFAULT.withDeadlineAfter(300, TimeUnit.MILLISECONDS), new byte[] {1}))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.cancellations.get() > cancelledBefore);
    assertThat(onlyFinished().outcome()).isEqualTo(Outcome.DEADLINE);
  }

  @Test
  void anAimDeadlineAloneEndsAHangingCallWithDeadlineExceeded() throws Exception {
    ManagedChannel channel = start(proxyBuilder(upstream.port()));
    io.grpc.Channel ch = withHeaders(channel, md(CallMetadata.DEADLINE_MS, "300"));

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, TestUpstream.HANG, CallOptions.DEFAULT, new byte[] {1}))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
    assertThat(onlyFinished().outcome()).isEqualTo(Outcome.DEADLINE);
  }

  @Test
  void aClientCancelCancelsTheUpstreamCall() throws Exception {
    ManagedChannel channel = start(proxyBuilder(upstream.port()));
    int hangingBefore = upstream.hanging.get();
    int cancelledBefore = upstream.cancellations.get();
    ClientCall<byte[], byte[]> call = channel.newCall(TestUpstream.HANG, CallOptions.DEFAULT);
    AtomicReference<Status> closed = new AtomicReference<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.set(status);
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(new byte[] {1});
    call.halfClose();
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.hanging.get() > hangingBefore);

    call.cancel("changed my mind", null);

    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.cancellations.get() > cancelledBefore);
    assertThat(closed.get().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(onlyFinished().outcome()).isEqualTo(Outcome.CANCELLED);
  }

  @Test
  void anUnreachableUpstreamGivesUnavailable() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    ManagedChannel channel = start(proxyBuilder(closedPort));

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, TestUpstream.UNARY, CallOptions.DEFAULT, new byte[] {1}))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription()).contains("127.0.0.1:" + closedPort);
            });
    assertThat(onlyFinished().outcome()).isEqualTo(Outcome.UNAVAILABLE);
  }

  @Test
  void anInvalidPriorityIsInvalidArgumentNamingTheKeyAndNeverReachesTheUpstream() throws Exception {
    ManagedChannel channel = start(proxyBuilder(upstream.port()));
    int callsBefore = upstream.calls.get();
    io.grpc.Channel ch = withHeaders(channel, md(CallMetadata.PRIORITY, "urgent"));

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, TestUpstream.UNARY, CallOptions.DEFAULT, new byte[] {1}))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("x-aim-priority", "urgent", "high|medium|low");
            });
    assertThat(onlyFinished().outcome()).isEqualTo(Outcome.BAD_REQUEST);
    assertThat(upstream.calls.get()).isEqualTo(callsBefore);
  }

  @Test
  void anInvalidAimDeadlineIsInvalidArgumentNamingTheKey() throws Exception {
    ManagedChannel channel = start(proxyBuilder(upstream.port()));
    io.grpc.Channel ch = withHeaders(channel, md(CallMetadata.DEADLINE_MS, "soon"));

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, TestUpstream.UNARY, CallOptions.DEFAULT, new byte[] {1}))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("x-aim-deadline-ms", "milliseconds");
            });
  }

  @Test
  void passesTheUpstreamErrorStatusAndTrailersThrough() throws Exception {
    ManagedChannel channel = start(proxyBuilder(upstream.port()));
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    io.grpc.Channel ch =
        ClientInterceptors.intercept(channel, MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers));

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, TestUpstream.FAIL, CallOptions.DEFAULT, new byte[] {1}))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription()).isEqualTo("no such thing");
            });
    assertThat(trailers.get().get(TestUpstream.UP_TRAILER)).isEqualTo("why");
    assertThat(onlyFinished().outcome()).isEqualTo(Outcome.CLIENT_ERROR);
  }

  @Test
  void readsTheModelFromTheInferenceRequestAndHandsTheHeadToAdmission() throws Exception {
    AtomicReference<CallHead> seen = new AtomicReference<>();
    ManagedChannel channel =
        start(
            proxyBuilder(upstream.port())
                .modelFolding(String::toLowerCase)
                .admission(
                    (head, executor, callback) -> {
                      seen.set(head);
                      callback.admitted(GrpcAdmission.Permit.NONE);
                    }));
    Metadata headers = md(CallMetadata.PRIORITY, "HIGH");
    headers.put(CallMetadata.TENANT, "team-a");
    byte[] request = inferRequest("ResNet50", 300);

    byte[] answer =
        ClientCalls.blockingUnaryCall(
            withHeaders(channel, headers), TestUpstream.MODEL_INFER, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), request);

    assertThat(answer).isEqualTo(request);
    CallHead head = seen.get();
    assertThat(head.model()).isEqualTo("resnet50");
    assertThat(head.priority()).isEqualTo(Priority.HIGH);
    assertThat(head.tenant()).isEqualTo("team-a");
    assertThat(head.fullMethodName()).isEqualTo("inference.GRPCInferenceService/ModelInfer");
    assertThat(head.deadlineNanos()).isNotEqualTo(CallHead.NO_DEADLINE);
    Finished f = onlyFinished();
    assertThat(f.model()).isEqualTo("resnet50");
    assertThat(f.priority()).isEqualTo(Priority.HIGH);
  }

  @Test
  void aRejectionByAdmissionReachesTheClientAndNeverTheUpstream() throws Exception {
    ManagedChannel channel =
        start(
            proxyBuilder(upstream.port())
                .admission((head, executor, cb) -> cb.rejected(Status.RESOURCE_EXHAUSTED.withDescription("shed: queue full"), null)));
    int callsBefore = upstream.calls.get();

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, TestUpstream.UNARY, CallOptions.DEFAULT, new byte[] {1}))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(onlyFinished().outcome()).isEqualTo(Outcome.SHED);
    assertThat(upstream.calls.get()).isEqualTo(callsBefore);
  }

  @Test
  void anAdmissionThatAnswersLaterFromAnotherThreadForwardsAndGetsItsPermitBack() throws Exception {
    ScheduledExecutorService admissionThread = Executors.newSingleThreadScheduledExecutor();
    closeables.add(admissionThread::shutdownNow);
    List<Outcome> released = new CopyOnWriteArrayList<>();
    ManagedChannel channel =
        start(
            proxyBuilder(upstream.port())
                .admission(
                    (head, executor, cb) ->
                        admissionThread.schedule(() -> cb.admitted(released::add), 50, TimeUnit.MILLISECONDS)));

    byte[] answer = ClientCalls.blockingUnaryCall(channel, TestUpstream.UNARY, CallOptions.DEFAULT, "x".getBytes(UTF_8));

    assertThat(new String(answer, UTF_8)).isEqualTo("x");
    await().atMost(Duration.ofSeconds(5)).until(() -> released.size() == 1);
    assertThat(released).containsExactly(Outcome.OK);
    assertThat(onlyFinished().queueNanos()).isPositive();
  }

  @Test
  void aClientThatGoesAwayWhileQueuedFreesItsSlot() throws Exception {
    AtomicReference<CallHead> queued = new AtomicReference<>();
    AtomicInteger slotFreed = new AtomicInteger();
    ManagedChannel channel =
        start(
            proxyBuilder(upstream.port())
                .admission(
                    (head, executor, cb) -> {
                      head.onCancel(slotFreed::incrementAndGet);
                      queued.set(head); // never answered: stays queued
                    }));
    ClientCall<byte[], byte[]> call = channel.newCall(TestUpstream.UNARY, CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {}, new Metadata());
    call.sendMessage(new byte[] {1});
    call.halfClose();
    await().atMost(Duration.ofSeconds(5)).until(() -> queued.get() != null);

    call.cancel("gone", null);

    await().atMost(Duration.ofSeconds(5)).until(() -> slotFreed.get() == 1);
    assertThat(queued.get().isCancelled()).isTrue();
    assertThat(onlyFinished().outcome()).isEqualTo(Outcome.CANCELLED);
  }

  @Test
  void anAimDeadlineThatPassesWhileQueuedEndsTheCallAndFreesTheSlot() throws Exception {
    AtomicReference<CallHead> queued = new AtomicReference<>();
    ManagedChannel channel =
        start(proxyBuilder(upstream.port()).admission((head, executor, cb) -> queued.set(head)));
    int callsBefore = upstream.calls.get();
    io.grpc.Channel ch = withHeaders(channel, md(CallMetadata.DEADLINE_MS, "200"));

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, TestUpstream.UNARY, CallOptions.DEFAULT, new byte[] {1}))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
              assertThat(e.getStatus().getDescription()).contains("x-aim-deadline-ms");
            });
    assertThat(queued.get().isCancelled()).isTrue();
    assertThat(onlyFinished().outcome()).isEqualTo(Outcome.DEADLINE);
    assertThat(upstream.calls.get()).isEqualTo(callsBefore);
  }

  @Test
  void aMessageOverTheLimitIsResourceExhausted() throws Exception {
    ManagedChannel channel = start(proxyBuilder(upstream.port()).maxInboundMessageSize(1024));

    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, TestUpstream.UNARY, CallOptions.DEFAULT, new byte[4096]))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
  }

  @Test
  void aSlowClientHoldsBackTheUpstreamAndThenGetsEveryMessageInOrder() throws Exception {
    ManagedChannel channel = start(proxyBuilder(upstream.port()));
    upstream.floodSent.set(0);
    upstream.floodNotReady.set(0);

    Iterator<byte[]> stream = ClientCalls.blockingServerStreamingCall(channel, TestUpstream.FLOOD, CallOptions.DEFAULT, new byte[] {1});
    // The client reads nothing yet: once the windows between it, the proxy and the upstream are
    // full, the upstream must find its call not ready instead of sending everything.
    await().atMost(Duration.ofSeconds(10)).until(() -> upstream.floodNotReady.get() > 0);
    assertThat(upstream.floodSent.get()).isLessThan(TestUpstream.FLOOD_MESSAGES);

    int n = 0;
    while (stream.hasNext()) {
      byte[] m = stream.next();
      assertThat(m).hasSize(TestUpstream.FLOOD_MESSAGE_BYTES);
      assertThat(m[0]).isEqualTo((byte) n);
      n++;
    }
    assertThat(n).isEqualTo(TestUpstream.FLOOD_MESSAGES);
  }

  @Test
  void runsOnItsOwnEventLoopsWhenNoneAreShared() throws Exception {
    GrpcProxy proxy =
        GrpcProxy.builder().bindHost("127.0.0.1").ownEventLoops(1).upstream("127.0.0.1:" + upstream.port()).build().start();
    closeables.add(proxy);
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
    closeables.add(channel::shutdownNow);

    byte[] answer = ClientCalls.blockingUnaryCall(channel, TestUpstream.UNARY, CallOptions.DEFAULT, "own".getBytes(UTF_8));

    assertThat(new String(answer, UTF_8)).isEqualTo("own");
  }

  @Test
  void rejectsAMalformedUpstreamAddressSayingWhatWasExpected() {
    assertThatThrownBy(() -> GrpcProxy.builder().upstream("localhost"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("HOST:PORT");
    assertThatThrownBy(() -> GrpcProxy.builder().upstream("localhost", 0))
        .hasMessageContaining("expected: 1..65535");
  }

  /** A KServe v2 ModelInferRequest: model_name (1), model_version (2), then filler in id (3). */
  static byte[] inferRequest(String model, int fillerBytes) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    out.writeString(1, model);
    out.writeString(2, "1");
    out.writeString(3, "x".repeat(fillerBytes));
    out.flush();
    return bytes.toByteArray();
  }
}
