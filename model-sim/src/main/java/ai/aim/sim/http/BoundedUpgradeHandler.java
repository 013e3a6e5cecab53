package ai.aim.sim.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import java.util.List;

/**
 * The h2c upgrade handler, but one that declines the upgrade (serving the request over
 * HTTP/1.1, which RFC 9113 allows) when the request's body is too large or of unknown length:
 * an upgrade request is buffered whole before it can be replayed on stream 1, and a large
 * upload (e.g. to {@code /sim/sink}) must stay streamed. One per connection, on its event loop.
 */
final class BoundedUpgradeHandler extends HttpServerUpgradeHandler {
  private final int maxBufferedBody;

  BoundedUpgradeHandler(HttpServerCodec codec, UpgradeCodecFactory factory, int maxBufferedBody) {
    super(codec, factory, maxBufferedBody);
    this.maxBufferedBody = maxBufferedBody;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, HttpObject msg, List<Object> out) throws Exception {
    if (msg instanceof HttpRequest req && req.headers().contains(HttpHeaderNames.UPGRADE)) {
      long length = HttpUtil.getContentLength(req, -1L);
      if (HttpUtil.isTransferEncodingChunked(req) || length > maxBufferedBody) {
        req.headers().remove(HttpHeaderNames.UPGRADE);
        req.headers().remove("HTTP2-Settings");
      }
    }
    super.decode(ctx, msg, out);
  }
}
