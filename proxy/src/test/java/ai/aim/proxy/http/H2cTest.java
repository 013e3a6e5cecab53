package ai.aim.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.config.UpstreamProtocol;
import ai.aim.proxy.metrics.Outcome;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class H2cTest extends ProxyTestBase {

  @Test
  void servesH2cByPriorKnowledge() throws Exception {
    start();
    Channel conn = new Bootstrap()
        .group(transport.workerGroup())
        .channel(transport.socketChannelClass())
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
          }
        })
        .connect("127.0.0.1", proxy.httpPort()).sync().channel();
    try {
      for (int i = 0; i < 3; i++) {
        FullHttpResponse r = h2Get(conn, "/v2/models/resnet/ready?n=" + i);
        try {
          assertThat(r.status().code()).isEqualTo(200);
          assertThat(r.content().toString(StandardCharsets.UTF_8))
              .isEqualTo("ok GET /v2/models/resnet/ready?n=" + i);
        } finally {
          r.release();
        }
      }
    } finally {
      conn.close().sync();
    }
  }

  private static FullHttpResponse h2Get(Channel conn, String path) throws Exception {
    CompletableFuture<FullHttpResponse> answer = new CompletableFuture<>();
    Http2StreamChannel stream = new Http2StreamChannelBootstrap(conn)
        .handler(new ChannelInitializer<Http2StreamChannel>() {
          @Override
          protected void initChannel(Http2StreamChannel ch) {
            ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false),
                new HttpObjectAggregator(1 << 20),
                new SimpleChannelInboundHandler<FullHttpResponse>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
                    answer.complete(msg.retain());
                  }
                });
          }
        }).open().sync().getNow();
    FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.EMPTY_BUFFER);
    req.headers().set(HttpHeaderNames.HOST, "sidecar");
    stream.writeAndFlush(req);
    return answer.get(10, TimeUnit.SECONDS);
  }

  /** A prior-knowledge h2c model server: answers every stream except {@code /hang}. */
  static final class H2Upstream implements AutoCloseable {
    final AtomicInteger streams = new AtomicInteger();
    final java.util.Set<Channel> connectionsWithStreams = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final AtomicInteger cancelled = new AtomicInteger();
    final Channel server;

    H2Upstream() throws InterruptedException {
      server = new ServerBootstrap()
          .group(transport.workerGroup())
          .channel(transport.serverChannelClass())
          .childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                  new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel s) {
                      streams.incrementAndGet();
                      connectionsWithStreams.add(s.parent());
                      s.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                          new HttpObjectAggregator(1 << 20),
                          new SimpleChannelInboundHandler<FullHttpRequest>() {
                            boolean answered;

                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                              if (req.uri().startsWith("/hang")) {
                                return;
                              }
                              answered = true;
                              byte[] body = ("h2 " + req.method() + " " + req.uri() + " host=" + req.headers().get("host"))
                                  .getBytes(StandardCharsets.UTF_8);
                              FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                                  HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                              r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                              ctx.writeAndFlush(r);
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                              if (!answered) {
                                cancelled.incrementAndGet();
                              }
                            }
                          });
                    }
                  }));
            }
          })
          .bind("127.0.0.1", 0).sync().channel();
    }

    String url() {
      return "http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
      server.close().syncUninterruptibly();
    }
  }

  @Test
  void forwardsOverH2cStreamsOnOneUpstreamConnection() throws Exception {
    try (H2Upstream h2 = new H2Upstream()) {
      proxy = ai.aim.proxy.ProxyServer.builder(
              baseConfig(h2.url()).withUpstream(baseConfig(h2.url()).upstream().withProtocol(UpstreamProtocol.H2C))
                  .withEventLoops(1))
          .transport(transport).observer(recorder).start();
      HttpClient c = client(HttpClient.Version.HTTP_1_1);
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = c.send(
            HttpRequest.newBuilder(URI.create(base() + "/v2/models/resnet/infer?i=" + i))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).startsWith("h2 POST /v2/models/resnet/infer?i=" + i);
      }
      assertThat(h2.streams.get()).isEqualTo(4);
      // One connection per event loop at most (the test transport has two loops).
      assertThat(h2.connectionsWithStreams).hasSizeBetween(1, 2);
    }
  }

  @Test
  void aDeadlineResetsTheUpstreamH2Stream() throws Exception {
    try (H2Upstream h2 = new H2Upstream()) {
      proxy = ai.aim.proxy.ProxyServer.builder(
              baseConfig(h2.url()).withUpstream(baseConfig(h2.url()).upstream().withProtocol(UpstreamProtocol.H2C)))
          .transport(transport).observer(recorder).start();
      HttpResponse<String> r = client(HttpClient.Version.HTTP_1_1).send(
          HttpRequest.newBuilder(URI.create(base() + "/hang")).header("x-aim-deadline-ms", "200").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(504);
      await().until(() -> h2.cancelled.get() == 1);
      await().until(() -> recorder.calls().size() == 1);
      assertThat(recorder.calls().get(0).outcome()).isEqualTo(Outcome.DEADLINE);
    }
  }
}
