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

  void exchangeStarted() {
    active++;
  }

  void exchangeEnded() {
    active--;
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
      // HTTP/2: close() on the connection handler sends GOAWAY and waits for the open streams
      // (up to the graceful shutdown timeout) before it closes the socket.
      ctx.channel().close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }
}
