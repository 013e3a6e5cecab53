package ai.aim.proxy.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts the codecs ALPN asked for behind the TLS handler of a client connection: the HTTP/2 frame
 * codec and stream multiplexer for {@code h2}, the HTTP/1.1 codec for {@code http/1.1} or a client
 * that offered no ALPN. Either way the exchange handler already waiting behind serves the requests,
 * exactly as on the cleartext port. Removes itself once it has chosen.
 *
 * <p>Failed handshakes (a plaintext client, an unknown CA, no client certificate under mutual TLS)
 * close the connection and are logged at debug level only: they are the client's doing and a scan
 * of the port must not flood the log.
 *
 * <p>Owned by the connection's event loop.
 */
final class AlpnSwitch extends ApplicationProtocolNegotiationHandler {

  private static final Logger log = LoggerFactory.getLogger(AlpnSwitch.class);

  private final HttpProxy proxy;

  AlpnSwitch(HttpProxy proxy) {
    super(ApplicationProtocolNames.HTTP_1_1);
    this.proxy = proxy;
  }

  @Override
  protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
    ChannelPipeline p = ctx.pipeline();
    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
      // In order, each after the previous: the multiplexer checks for the codec when added.
      String after = ctx.name();
      for (ChannelHandler h : proxy.http2Handlers()) {
        p.addAfter(after, null, h);
        after = p.context(h).name();
      }
    } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
      p.addAfter(ctx.name(), null, proxy.http1Codec());
    } else {
      throw new IllegalStateException("ALPN chose '" + protocol + "' (expected: h2 or http/1.1)");
    }
  }

  @Override
  protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("TLS connection {} failed before ALPN: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
