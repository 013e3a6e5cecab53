package ai.aim.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * First handler of every client connection: counts the exchanges in flight on it (HTTP/1.1 has
 * at most one, h2c one per stream), closes the connection when it has been idle too long with
 * none in flight, and starts a graceful close when the sidecar drains.
 *
 * <p>Slow clients: an HTTP/1.1 request head must be complete within the idle timeout of the first
 * bytes read while no exchange is in flight (else a client sending one header line just often
 * enough never looks idle); a connection that is idle while its request body is incomplete is
 * closed by {@link ExchangeHandler}, to which the idle event is passed when an exchange is in
 * flight.
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

  private final long headTimeoutMillis;
  private int active;
  private boolean draining;
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> headTimer;

  /** {@code headTimeoutMillis}: time for a request head to arrive whole; {@code 0} for none. */
  ConnectionHandler(long headTimeoutMillis) {
    this.headTimeoutMillis = headTimeoutMillis;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ctx.fireChannelRead(msg);
    if (active == 0 && headTimer == null && headTimeoutMillis > 0 && !isH2(ctx)) {
      headTimer = ctx.executor().schedule(this::headTimedOut, headTimeoutMillis, TimeUnit.MILLISECONDS);
    }
  }

  private void headTimedOut() {
    headTimer = null;
    if (active == 0 && !isH2(ctx)) {
      ctx.close();
    }
  }

  private static boolean isH2(ChannelHandlerContext ctx) {
    return ctx.pipeline().get(Http2FrameCodec.class) != null;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (headTimer != null) {
      headTimer.cancel(false);
      headTimer = null;
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  void exchangeStarted() {
    active++;
    if (headTimer != null) {
      headTimer.cancel(false);
      headTimer = null;
    }
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
      } else {
        ctx.fireUserEventTriggered(evt); // the exchange knows whether its body is still due
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
