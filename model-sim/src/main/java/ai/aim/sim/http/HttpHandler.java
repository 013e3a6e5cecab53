package ai.aim.sim.http;

import ai.aim.sim.engine.Simulator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Serves the REST endpoints on one HTTP/1.1 connection or one HTTP/2 stream (a child channel).
 * Owned by that channel's event loop; all its state is confined there. Bodies are buffered up to
 * {@link #MAX_BODY} for JSON endpoints, except {@code POST /sim/sink}, which only counts and
 * checksums them as they arrive. One exchange at a time: HTTP/1.1 pipelining is not supported
 * (a request that arrives while one is being answered closes the connection).
 */
final class HttpHandler extends ChannelInboundHandlerAdapter {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpHandler.class);
  static final int MAX_BODY = 64 * 1024 * 1024;

  private final Simulator sim;
  private final ObjectMapper json;
  private ChannelHandlerContext ctx;
  private Exchange ex;

  HttpHandler(Simulator sim, ObjectMapper json) {
    this.sim = sim;
    this.json = json;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest req) {
        if (ex != null) {
          ctx.close(); // pipelined request: not supported, see class comment
          return;
        }
        ex = new Exchange(req);
        if (req.decoderResult().isFailure()) {
          ex.keepAlive = false;
          ex.sendError(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request: " + req.decoderResult().cause());
          return;
        }
      }
      if (msg instanceof HttpContent c && ex != null && !ex.answered) {
        ex.content(c);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (ex != null) {
      ex.gone();
      ex = null;
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ex != null && ex.producer != null && ctx.channel().isWritable()) {
      ex.producer.run();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("closing {} after {}", ctx.channel(), cause.toString(), cause);
    ctx.close();
  }

  /** The connection to close for a "reset mid-response" fault: the TCP connection itself. */
  private Channel connection() {
    Channel ch = ctx.channel();
    return ch.parent() != null ? ch.parent() : ch;
  }

  /**
   * One request/response exchange. Routes dispatch on the complete body through {@link Routes},
   * which answers through the methods here.
   */
  final class Exchange {
    final HttpRequest request;
    final String path;
    final Map<String, java.util.List<String>> query;
    final boolean sink;
    boolean keepAlive;
    boolean answered;
    boolean over;
    CompositeByteBuf body;
    long bodyBytes;
    final CRC32 crc = new CRC32();
    /** Bytes of response body still allowed before a "reset" fault closes the connection. */
    long resetBudget = -1;
    /** Cancels the work behind this exchange when the client goes away. */
    Runnable onGone;
    /** Continues a back-pressured body when the channel becomes writable again. */
    Runnable producer;

    Exchange(HttpRequest request) {
      this.request = request;
      QueryStringDecoder q = new QueryStringDecoder(request.uri());
      this.path = q.path();
      this.query = q.parameters();
      this.keepAlive = HttpUtil.isKeepAlive(request);
      this.sink = path.equals("/sim/sink");
      if (!sink) {
        body = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
      }
    }

    void content(HttpContent c) {
      ByteBuf b = c.content();
      int n = b.readableBytes();
      bodyBytes += n;
      if (sink) {
        for (ByteBuffer nio : b.nioBuffers()) {
          crc.update(nio);
        }
      } else if (n > 0) {
        if (bodyBytes > MAX_BODY) {
          keepAlive = false; // the rest of the body is still on the wire
          sendError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
              "request body over " + MAX_BODY + " bytes");
          return;
        }
        body.addComponent(true, b.retain());
      }
      if (c instanceof LastHttpContent) {
        try {
          new Routes(sim, json, this).dispatch();
        } catch (RuntimeException e) {
          if (!answered) {
            sendError(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e);
          }
        } finally {
          releaseBody();
        }
      }
    }

    ByteBuf body() {
      return body;
    }

    String method() {
      return request.method().name();
    }

    String header(CharSequence name) {
      return request.headers().get(name);
    }

    String queryParam(String name) {
      java.util.List<String> v = query.get(name);
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    Channel channel() {
      return ctx.channel();
    }

    io.netty.util.concurrent.EventExecutor loop() {
      return ctx.executor();
    }

    /** Arms the reset-after-bytes fault for this (inference) response. */
    void armResetFault() {
      long n = sim.config().resetAfterBytes();
      resetBudget = n > 0 ? n : -1;
    }

    void releaseBody() {
      if (body != null) {
        body.release();
        body = null;
      }
    }

    void sendJson(HttpResponseStatus status, Object value) {
      try {
        send(status, "application/json", json.writeValueAsBytes(value));
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }

    void sendError(HttpResponseStatus status, String message) {
      sendJson(status, Map.of("error", message));
    }

    void send(HttpResponseStatus status, String contentType, byte[] bytes) {
      if (answered) {
        return;
      }
      answered = true;
      if (resetBudget >= 0 && bytes.length > resetBudget) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setContentLength(head, bytes.length);
        ctx.write(head);
        ctx.writeAndFlush(new DefaultHttpContent(ctx.alloc().buffer().writeBytes(bytes, 0, (int) resetBudget)))
            .addListener(f -> connection().close());
        finish();
        return;
      }
      FullHttpResponse r = new DefaultFullHttpResponse(
          HttpVersion.HTTP_1_1, status, ctx.alloc().buffer(bytes.length).writeBytes(bytes));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
      HttpUtil.setContentLength(r, bytes.length);
      if (!keepAlive) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
      ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      finish();
    }

    /** Sends the head of a streamed response (chunked on HTTP/1.1). */
    void startStream(HttpResponseStatus status, String contentType, long contentLength) {
      answered = true;
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
      head.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
      if (contentLength >= 0) {
        HttpUtil.setContentLength(head, contentLength);
      } else {
        HttpUtil.setTransferEncodingChunked(head, true);
      }
      head.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
      ctx.writeAndFlush(head).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    /**
     * Writes and flushes one piece of a streamed body. Returns false if the exchange is over
     * (the client left, or the reset fault fired and closed the connection).
     */
    boolean streamChunk(ByteBuf chunk) {
      if (over) {
        chunk.release();
        return false;
      }
      if (resetBudget >= 0 && chunk.readableBytes() > resetBudget) {
        ByteBuf part = chunk.readRetainedSlice((int) resetBudget);
        chunk.release();
        ctx.writeAndFlush(new DefaultHttpContent(part)).addListener(f -> connection().close());
        over = true;
        return false;
      }
      if (resetBudget >= 0) {
        resetBudget -= chunk.readableBytes();
      }
      ctx.writeAndFlush(new DefaultHttpContent(chunk)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      return true;
    }

    /** Writes a chunk without flushing; for bulk producers that flush once per batch. */
    void writeChunk(ByteBuf chunk) {
      ctx.write(new DefaultHttpContent(chunk)).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    void flush() {
      ctx.flush();
    }

    void endStream() {
      if (over) {
        return;
      }
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
          .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      finish();
    }

    /** The exchange is answered; the channel may serve the next request. */
    void finish() {
      over = true;
      producer = null;
      releaseBody();
      if (ex == this) {
        ex = null;
      }
    }

    void gone() {
      releaseBody();
      over = true;
      if (onGone != null) {
        onGone.run();
      }
    }
  }
}
