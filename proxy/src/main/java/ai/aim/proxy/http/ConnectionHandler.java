package ai.aim.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * First handler of every client connection: counts the exchanges in flight on it (HTTP/1.1 has
 * at most one, h2c one per stream), closes the connection when it has been idle too long with
 * none in flight, and starts a graceful close when the sidecar drains.
 *
 * <p>Owned by the connection's event loop; the counter is a plain field for that reason.
 */
final class ConnectionHandler extends ChannelInboundHandlerAdapter {

  /** Fired down the pipeline of every connection when the sidecar drains. */
  static final Object DRAIN = new Object() {
    @Override
    public String toString() {
      return "DRAIN";
    }
  };

  private int active;
  private boolean draining;
  private ChannelHandlerContext ctx;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  void exchangeStarted() {
    active++;
  }

  void exchangeEnded() {
    active--;
    if (draining && active == 0) {
      ctx.channel().close();
    }
  }

  int active() {
    return active;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      if (active == 0) {
        ctx.close();
      }
      return;
    }
    if (evt == DRAIN && ctx.pipeline().get(Http2FrameCodec.class) != null) {
      // HTTP/2: close once the streams in flight are done (close() then sends GOAWAY). The GOAWAY
      // is not sent earlier on purpose: some clients (the JDK 17 HttpClient among them) fail every
      // open stream on any GOAWAY instead of finishing those below its last-stream-id. The
      // listener no longer accepts and readiness is false, so few new streams arrive meanwhile;
      // the drain timeout bounds the wait.
      draining = true;
      if (active == 0) {
        ctx.channel().close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }
}
