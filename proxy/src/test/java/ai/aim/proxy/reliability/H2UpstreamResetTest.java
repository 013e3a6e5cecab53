package ai.aim.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.Sidecar;
import ai.aim.proxy.admission.AdmissionSnapshot;
import ai.aim.proxy.config.ConfigLoader;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.CharsetUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model server behind {@code upstream.protocol: h2c} that resets its HTTP/2 streams (RST_STREAM)
 * before answering or in the middle of the answer: the client gets one answer (a 502 when nothing
 * was sent yet, a cut connection once the status went out), permits and queues return to zero,
 * and the next request to a healthy path is served on the same upstream connection pool.
 */
class H2UpstreamResetTest {

  private EventLoopGroup serverLoop;
  private Channel server;
  private Sidecar sidecar;
  private final AtomicInteger streams = new AtomicInteger();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  /** {@code /reset-before}: RST_STREAM at once; {@code /reset-after}: headers and a part, then RST. */
  private static final class ResettingServer extends ChannelInboundHandlerAdapter {
    private final AtomicInteger streams;

    ResettingServer(AtomicInteger streams) {
      this.streams = streams;
    }

    /** The request path per stream, kept from its HEADERS until its body ends. */
    private final Map<Integer, String> paths = new java.util.HashMap<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2HeadersFrame h) {
          paths.put(h.stream().id(), h.headers().path().toString());
          if (h.isEndStream()) {
            answer(ctx, h, paths.remove(h.stream().id()));
          }
        } else if (msg instanceof Http2DataFrame d && d.isEndStream()) {
          answer(ctx, d, paths.remove(d.stream().id()));
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void answer(ChannelHandlerContext ctx, Http2StreamFrame f, String path) {
      streams.incrementAndGet();
      if (path.startsWith("/reset-before")) {
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR).stream(f.stream()));
      } else if (path.startsWith("/reset-after")) {
        ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
            .add("content-length", "1000")).stream(f.stream()));
        ctx.write(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("partial", CharsetUtil.US_ASCII), false)
            .stream(f.stream()));
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR).stream(f.stream()));
      } else {
        ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")).stream(f.stream()));
        ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("ok", CharsetUtil.US_ASCII), true)
            .stream(f.stream()));
      }
    }
  }

  @BeforeEach
  void start() throws Exception {
    serverLoop = new NioEventLoopGroup(1);
    server = new ServerBootstrap().group(serverLoop).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), new ResettingServer(streams));
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
    int port = ((java.net.InetSocketAddress) server.localAddress()).getPort();
    String yaml = "http: {bind: 127.0.0.1, port: 0}\n"
        + "grpc: {bind: 127.0.0.1, port: 0}\n"
        + "admin: {bind: 127.0.0.1, port: 0}\n"
        + "eventLoops: 1\n"
        + "gpuSource: none\n"
        + "upstream: {http: 'http://127.0.0.1:" + port + "', grpc: '127.0.0.1:1', protocol: h2c}\n"
        + "admission: {maxInflight: 4}\n"
        + "models: {m: {}}\n";
    sidecar = Sidecar.start(() -> ConfigLoader.parse(yaml, Map.of()), null, null, null, System::nanoTime);
  }

  @AfterEach
  void stop() throws Exception {
    if (sidecar != null) {
      sidecar.close();
    }
    server.close().sync();
    serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
  }

  private HttpResponse<String> send(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + sidecar.server().httpPort() + path))
        .header("x-aim-model", "m").timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/reset-before", "/reset-after"})
  void aResetStreamGetsOneAnswerFreesItsPermitAndTheNextRequestIsServed(String path) throws Exception {
    for (int i = 0; i < 5; i++) {
      if (path.equals("/reset-before")) {
        HttpResponse<String> r = send(path);
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body()).contains("\"reason\"");
      } else {
        // The status already went out: the only honest signal left is a cut body.
        try {
          HttpResponse<String> r = send(path);
          assertThat(r.body().length()).as("a cut body, never the promised 1000 bytes").isLessThan(1000);
        } catch (java.io.IOException cut) {
          // expected: the connection closed before the promised length
        }
      }
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      AdmissionSnapshot.Model m = sidecar.controller().refreshSnapshot().get(5, TimeUnit.SECONDS)
          .models().get("m");
      assertThat(m.inflight()).as("permits").isZero();
      for (AdmissionSnapshot.Class c : m.classes()) {
        assertThat(c.queueDepth()).isZero();
      }
    });
    assertThat(streams.get()).isEqualTo(5);
    HttpResponse<String> ok = send("/ok");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("ok");
  }
}
