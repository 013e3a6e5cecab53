package ai.aim.proxy.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.sim.v2.GRPCInferenceServiceGrpc;
import ai.aim.sim.v2.ModelInferRequest;
import ai.aim.sim.v2.ModelInferResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * gRPC messages with broken length-prefixed framing, written frame by frame with Netty's HTTP/2
 * codec (a gRPC library cannot send them): each call ends with a non-OK status or a stream reset,
 * no message reaches the model server, and the proxy keeps serving well-formed calls.
 */
class BadGrpcFramingTest {

  private Server upstream;
  private GrpcProxy proxy;
  private EventLoopGroup clientLoop;
  private final AtomicInteger upstreamMessages = new AtomicInteger();

  @BeforeEach
  void start() throws IOException {
    upstream = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase() {
          @Override
          public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
            upstreamMessages.incrementAndGet();
            out.onNext(ModelInferResponse.newBuilder().setModelName(request.getModelName()).build());
            out.onCompleted();
          }
        })
        .build()
        .start();
    proxy = GrpcProxy.builder()
        .bindHost("127.0.0.1")
        .ownEventLoops(1)
        .upstream("127.0.0.1", upstream.getPort())
        .build()
        .start();
    clientLoop = new NioEventLoopGroup(1);
  }

  @AfterEach
  void stop() throws InterruptedException {
    clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    proxy.close();
    upstream.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // flag, 4-byte length, then fewer bytes than promised, END_STREAM
    "length prefix promises 100 bytes and 3 come, '0,0,0,0,100,1,2,3', false",
    "compressed flag without a grpc-encoding, '1,0,0,0,3,1,2,3', false",
    "a flag byte that is neither 0 nor 1, '7,0,0,0,3,1,2,3', false",
    "a prefix cut after two bytes, '0,0', false",
    // The control: the same raw client with a well-formed empty message gets through.
    "a well-formed empty message, '0,0,0,0,0', true",
  })
  void brokenFramingEndsTheCallWithAnErrorAndNothingIsForwarded(String what, String bytes, boolean wellFormed)
      throws Exception {
    BlockingQueue<Object> got = new LinkedBlockingQueue<>();
    ChannelInboundHandlerAdapter collector = new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2HeadersFrame h) {
          got.add(h.headers());
        }
        ReferenceCountUtil.release(msg);
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame r) {
          got.add(r);
        }
      }
    };
    Channel ch = new Bootstrap().group(clientLoop).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel c) {
            c.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
          }
        })
        .connect("127.0.0.1", proxy.port()).sync().channel();
    try {
      Http2StreamChannel stream = new Http2StreamChannelBootstrap(ch).handler(collector).open().sync().getNow();
      Http2Headers h = new DefaultHttp2Headers()
          .method("POST").scheme("http").authority("127.0.0.1:" + proxy.port())
          .path("/inference.GRPCInferenceService/ModelInfer")
          .add("content-type", "application/grpc").add("te", "trailers");
      stream.write(new DefaultHttp2HeadersFrame(h));
      String[] parts = bytes.split(",");
      byte[] body = new byte[parts.length];
      for (int i = 0; i < parts.length; i++) {
        body[i] = (byte) Integer.parseInt(parts[i].trim());
      }
      stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true)).sync();

      String status = null;
      boolean reset = false;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (status == null && !reset && System.nanoTime() < until) {
        Object o = got.poll(1, TimeUnit.SECONDS);
        if (o instanceof Http2Headers hs && hs.get("grpc-status") != null) {
          status = hs.get("grpc-status").toString();
        } else if (o instanceof Http2ResetFrame) {
          reset = true;
        }
      }
      assertThat(status != null || reset).as("%s: a status or a reset", what).isTrue();
      if (wellFormed) {
        assertThat(status).as("%s: grpc-status", what).isEqualTo("0");
      } else if (status != null) {
        assertThat(status).as("%s: grpc-status", what).isNotEqualTo("0");
      }
    } finally {
      ch.close().sync();
    }
    assertThat(upstreamMessages.get()).as("messages the model server received").isEqualTo(wellFormed ? 1 : 0);

    ManagedChannel good = NettyChannelBuilder.forAddress("127.0.0.1", proxy.port()).usePlaintext().build();
    try {
      ModelInferResponse r = GRPCInferenceServiceGrpc.newBlockingStub(good)
          .withDeadlineAfter(20, TimeUnit.SECONDS)
          .modelInfer(ModelInferRequest.newBuilder().setModelName("m").build());
      assertThat(r.getModelName()).isEqualTo("m");
    } finally {
      good.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
