package ai.aim.sim.http;

import ai.aim.sim.engine.Simulator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerAdapter;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AsciiString;

/**
 * Builds the pipeline of one accepted REST connection: HTTP/1.1 with keep-alive, or HTTP/2
 * without TLS (h2c), reached either by prior knowledge (the client opens with the HTTP/2
 * preface) or by the HTTP/1.1 {@code Upgrade: h2c} handshake. Each HTTP/2 stream becomes a child
 * channel that speaks the same HTTP objects as an HTTP/1.1 connection, so one
 * {@link HttpHandler} serves both. Stateless and shared by all connections.
 */
public final class HttpInitializer extends ChannelInitializer<Channel> {
  /**
   * Largest request body buffered during the h2c upgrade handshake; a larger (or chunked)
   * request is answered over HTTP/1.1 instead.
   */
  private static final int MAX_UPGRADE_BODY = 1024 * 1024;

  private final Simulator sim;
  private final ObjectMapper json = new ObjectMapper();

  /** Creates the initializer for one simulator. */
  public HttpInitializer(Simulator sim) {
    this.sim = sim;
  }

  @Override
  protected void initChannel(Channel ch) {
    HttpServerCodec codec = new HttpServerCodec();
    HttpServerUpgradeHandler upgrade =
        new BoundedUpgradeHandler(
            codec,
            protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                    ? new Http2ServerUpgradeCodec(
                        Http2FrameCodecBuilder.forServer().build(), multiplexer())
                    : null,
            MAX_UPGRADE_BODY);
    // Installs the HTTP/2 handlers in its own place (not at the pipeline's tail, where the
    // HTTP/1.1 handlers sit) once a client opens with the HTTP/2 connection preface.
    ChannelHandlerAdapter priorKnowledge =
        new ChannelHandlerAdapter() {
          @Override
          public void handlerAdded(ChannelHandlerContext ctx) {
            // The multiplexer looks for the frame codec when added, so the codec goes in first.
            ChannelHandler codec = Http2FrameCodecBuilder.forServer().build();
            ctx.pipeline().addAfter(ctx.name(), null, codec);
            ctx.pipeline().addAfter(ctx.pipeline().context(codec).name(), null, multiplexer());
            ctx.pipeline().remove(this);
          }
        };
    ChannelPipeline p = ch.pipeline();
    p.addLast(new CleartextHttp2ServerUpgradeHandler(codec, upgrade, priorKnowledge));
    // After an upgrade or a prior-knowledge preface the HTTP/2 handlers sit before these two and
    // consume every stream frame, so these only ever see plain HTTP/1.1 exchanges.
    p.addLast(
        new HttpServerKeepAliveHandler(),
        new HttpServerExpectContinueHandler(), // curl sends "Expect: 100-continue" for uploads
        new HttpHandler(sim, json));
  }

  private Http2MultiplexHandler multiplexer() {
    return new Http2MultiplexHandler(
        new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel stream) {
            stream
                .pipeline()
                .addLast(new Http2StreamFrameToHttpObjectCodec(true), new HttpHandler(sim, json));
          }
        });
  }
}
