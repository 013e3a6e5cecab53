package ai.aim.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Sits between the HTTP/1.1 codec and the h2c upgrade handler. The upgrade handler must hold the
 * whole upgrade request in memory while the connection switches protocol, so a request whose body
 * is chunked or larger than the limit is not upgraded: its {@code Upgrade} fields are removed and
 * it is served over HTTP/1.1 (RFC 9110 lets a server ignore an upgrade). Requests with small or no
 * bodies upgrade as usual.
 *
 * <p>One per connection, owned by its event loop.
 */
final class UpgradeBodyGuard extends ChannelInboundHandlerAdapter {

  private final long maxUpgradeBody;

  UpgradeBodyGuard(long maxUpgradeBody) {
    this.maxUpgradeBody = maxUpgradeBody;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest) {
      HttpRequest req = (HttpRequest) msg;
      if (req.headers().contains(HttpHeaderNames.UPGRADE)
          && (HttpUtil.isTransferEncodingChunked(req)
              || HttpUtil.getContentLength(req, 0L) > maxUpgradeBody)) {
        req.headers().remove(HttpHeaderNames.UPGRADE);
        req.headers().remove("http2-settings");
      }
    }
    ctx.fireChannelRead(msg);
  }
}
