package ai.aim.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream channel: hands what the model server sends to the exchange
 * that holds the channel, or, while the channel sits idle in the pool, drops it from the pool when
 * it closes. Owned by the channel's event loop.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

  private final Runnable onIdleClose;
  private UpstreamListener listener;
  private boolean closedReported;

  UpstreamHandler(Runnable onIdleClose) {
    this.onIdleClose = onIdleClose;
  }

  static UpstreamHandler of(Channel ch) {
    return ch.pipeline().get(UpstreamHandler.class);
  }

  void attach(UpstreamListener l) {
    this.listener = l;
  }

  void detach() {
    this.listener = null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    UpstreamListener l = listener;
    if (l != null && msg instanceof HttpObject) {
      l.onUpstreamMessage((HttpObject) msg);
    } else {
      // Bytes from an idle keep-alive connection have no request to belong to: the connection
      // is out of step, so it cannot be reused.
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    UpstreamListener l = listener;
    if (l != null && ctx.channel().isWritable()) {
      l.onUpstreamWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    report(null);
    onIdleClose.run();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    report(cause);
    ctx.close();
  }

  private void report(Throwable cause) {
    UpstreamListener l = listener;
    if (l != null && !closedReported) {
      closedReported = true;
      listener = null;
      l.onUpstreamClosed(cause);
    }
  }
}
