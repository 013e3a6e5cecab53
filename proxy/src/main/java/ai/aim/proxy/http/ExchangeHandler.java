package ai.aim.proxy.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Drives the exchanges of one HTTP/1.1 connection, one after the other, or the single exchange of
 * one HTTP/2 stream (a child channel whose frames arrive as {@code HttpObject}s, so both are served
 * the same way).
 *
 * <p>Reads on demand (auto-read is off and a {@link FlowControlHandler} hands over one message per
 * read): it asks for the next message only when it holds none. At most one message waits here
 * ({@link #stash}): a body part the upstream cannot take yet, or the next pipelined request, which
 * is therefore answered strictly after the current one. Keeping a read pending while an exchange
 * waits is also how a client that goes away is noticed at once.
 *
 * <p>Owned by the channel's event loop; no state is shared.
 */
final class ExchangeHandler extends ChannelDuplexHandler {

  private final HttpProxy proxy;
  private final boolean h2Stream;
  private ChannelHandlerContext ctx;
  private ConnectionHandler connection;
  private Exchange current;
  private HttpObject stash;
  /** The connection closes once the current exchange ends (draining, Connection: close, errors). */
  private boolean closing;

  ExchangeHandler(HttpProxy proxy, boolean h2Stream) {
    this.proxy = proxy;
    this.h2Stream = h2Stream;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    io.netty.channel.Channel connectionChannel =
        h2Stream ? ctx.channel().parent() : ctx.channel();
    this.connection = connectionChannel.pipeline().get(ConnectionHandler.class);
    if (ctx.channel().isActive()) {
      maybeRead();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    maybeRead();
    ctx.fireChannelActive();
  }

  boolean isH2() {
    return h2Stream;
  }

  boolean isClosing() {
    return closing || (!h2Stream && proxy.isDraining());
  }

  ConnectionHandler connection() {
    return connection;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof HttpObject)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    onMessage((HttpObject) msg);
    maybeRead();
  }

  private void onMessage(HttpObject msg) {
    if (current == null) {
      if (msg instanceof HttpRequest && !closing) {
        start((HttpRequest) msg);
      } else {
        // The rest of a body whose exchange already ended, or anything after a close was decided.
        ReferenceCountUtil.release(msg);
      }
      return;
    }
    if (stash != null) {
      ReferenceCountUtil.release(msg);
      closing = true;
      return;
    }
    if (current.requestDone() || !(msg instanceof HttpContent)) {
      stash = msg; // the next pipelined request: it waits for this answer
    } else if (!current.offerBody((HttpContent) msg)) {
      stash = msg;
    }
  }

  private void start(HttpRequest request) {
    HttpRequest head = request;
    HttpContent body = null;
    boolean bodyFollows;
    if (request instanceof FullHttpRequest) {
      // h2 HEADERS with END_STREAM, or an HTTP/1.1 request that asked to upgrade and was
      // aggregated: split it so that every exchange sees a head and then body parts.
      FullHttpRequest full = (FullHttpRequest) request;
      head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
      head.setDecoderResult(full.decoderResult());
      body = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
      bodyFollows = full.content().isReadable();
      if (bodyFollows && !HttpUtil.isContentLengthSet(head)) {
        HttpUtil.setContentLength(head, full.content().readableBytes());
      }
    } else if (h2Stream) {
      bodyFollows = true;
    } else {
      bodyFollows = HttpUtil.isContentLengthSet(request) || HttpUtil.isTransferEncodingChunked(request);
    }
    current = new Exchange(proxy, this, ctx, head, bodyFollows);
    stash = body;
    current.begin();
  }

  /** The upstream can take body parts now: forward the stashed one, then read on. */
  void bodyWanted() {
    if (current != null && stash instanceof HttpContent && !current.requestDone()) {
      HttpContent c = (HttpContent) stash;
      stash = null;
      if (!current.offerBody(c)) {
        stash = c;
      }
    }
    maybeRead();
  }

  /** Called by the exchange when it has ended; {@code keep} says whether the connection lives on. */
  void exchangeEnded(Exchange e, boolean keep) {
    if (current != e) {
      return;
    }
    current = null;
    if (!keep || h2Stream) {
      closing = true;
      release(stash);
      stash = null;
      ctx.close();
      return;
    }
    if (stash instanceof HttpRequest) {
      HttpObject next = stash;
      stash = null;
      onMessage(next);
    } else if (stash != null) {
      release(stash);
      stash = null;
    }
    maybeRead();
  }

  void maybeRead() {
    if (stash == null && !closing && ctx.channel().isActive()) {
      ctx.read();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (current != null && ctx.channel().isWritable()) {
      current.onClientWritable();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    release(stash);
    stash = null;
    if (current != null) {
      current.onClientGone();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A broken client connection (reset, protocol error); onClientGone follows from the close.
    ctx.close();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof HttpServerUpgradeHandler.UpgradeEvent
        || evt instanceof CleartextHttp2ServerUpgradeHandler.PriorKnowledgeUpgradeEvent) {
      // The connection now speaks HTTP/2: each stream gets its own handler in a child channel.
      // This connection-level handler and its flow control step aside; the h2 codec reads freely
      // (stream back-pressure is HTTP/2 flow control, driven by each child's reads).
      ctx.fireUserEventTriggered(evt);
      FlowControlHandler fc = ctx.pipeline().get(FlowControlHandler.class);
      if (fc != null) {
        ctx.pipeline().remove(fc);
      }
      ctx.pipeline().remove(this);
      ctx.channel().config().setAutoRead(true);
      return;
    }
    if (evt instanceof IdleStateEvent) {
      // No traffic either way for the idle timeout while the request body is still due: a client
      // that stalls (or dribbles slower than the timeout) must not hold its permit forever.
      // (stash == null: the sidecar is not holding a body part back for a slow model server.)
      if (current != null && !current.requestDone() && stash == null) {
        ctx.close(); // onClientGone follows from channelInactive
      }
      return;
    }
    if (evt == ConnectionHandler.DRAIN) {
      closing = true;
      if (current == null) {
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  private static void release(Object msg) {
    if (msg != null) {
      ReferenceCountUtil.release(msg);
    }
  }
}
