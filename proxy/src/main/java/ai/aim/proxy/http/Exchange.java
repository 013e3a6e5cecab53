package ai.aim.proxy.http;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.propagation.JsonPriorityRewriter;
import ai.aim.proxy.propagation.PropagationPolicy;
import ai.aim.proxy.upstream.UpstreamListener;
import ai.aim.proxy.upstream.UpstreamPool;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * One request and its answer: validation, classification, admission, forwarding with
 * back-pressure both ways, timeouts, and the single report to admission and metrics.
 *
 * <p>Body parts flow without being gathered: a request part is read from the client only when the
 * upstream channel is writable, a response part is read from the upstream only when the client
 * channel is writable. {@link InTransitBytes} counts what is held in between.
 *
 * <p>Owned by the client channel's event loop, which is also the upstream channel's loop (the pool
 * is per loop), so no field needs a lock. {@link #ended} stops all further work once an answer is
 * decided; {@link #finished} guards the single report.
 */
final class Exchange implements Admission.Callback, UpstreamPool.AcquireCallback, UpstreamListener {

  private final HttpProxy proxy;
  private final ExchangeHandler handler;
  private final ChannelHandlerContext ctx;
  private final HttpRequest request;
  private final boolean h2;
  private final long arrivalNanos;

  private RequestHead head;
  private Admission.Ticket ticket;
  private boolean admitting;
  private boolean admittedDuringAdmit;
  private Outcome releasedBeforeTicket;

  private UpstreamPool pool;
  private Channel upstream;
  private HttpRequest upstreamRequest;
  private boolean upstreamReused;
  private boolean retried;
  private boolean keepAlive;
  private boolean requestDone;
  private long bodyBytes;
  private long forwardedBodyBytes;
  private boolean bodyFollows;

  private boolean responseStarted;
  private boolean skippingInformational;
  private boolean awaitingClientWritable;
  private int upstreamStatus;
  private boolean upstreamKeepAlive = true;

  private ScheduledFuture<?> deadlineTimer;
  private ScheduledFuture<?> responseTimer;

  private long queueNanos = -1;

  /**
   * Non-null while a small JSON body is held to carry the admission class to the engine (see
   * {@link #planPriorityRewrite}): sized by its Content-Length, filled part by part.
   */
  private byte[] heldBody;
  private int heldBytes;
  private boolean rewriteNested;
  private long rewriteValue;
  /** The body as sent upstream once held in full (rewritten, or as received if not JSON). */
  private byte[] rewrittenBody;

  /** Response header telling the client how long admission held its request, in milliseconds. */
  static final String QUEUE_WAIT_HEADER = "x-aim-queue-wait-ms";
  /**
   * Largest unread request body the sidecar reads and drops to keep the connection after answering
   * early (a refusal, an error): beyond it, closing costs the client less than sending it all.
   */
  static final long DISCARDABLE_BODY_BYTES = 1 << 20;
  private long dispatchNanos = -1;
  private long upstreamNanos = -1;
  private long firstByteNanos = -1;

  private boolean ended;
  private boolean finished;

  Exchange(
      HttpProxy proxy,
      ExchangeHandler handler,
      ChannelHandlerContext ctx,
      HttpRequest request,
      boolean bodyFollows) {
    this.proxy = proxy;
    this.handler = handler;
    this.ctx = ctx;
    this.request = request;
    this.h2 = handler.isH2();
    this.arrivalNanos = proxy.clock().getAsLong();
    this.keepAlive = !h2 && HttpUtil.isKeepAlive(request);
    this.bodyFollows = bodyFollows;
  }

  boolean requestDone() {
    return requestDone;
  }

  // ---------------------------------------------------------------- start: validate, classify

  void begin() {
    proxy.exchangeStarted();
    handler.connection().exchangeStarted();
    try {
      validate();
      head = proxy.classifier().classify(request, arrivalNanos);
    } catch (BadRequestException e) {
      // The body (if any) was not read, so the connection cannot carry another request.
      keepAlive = false;
      fail(Outcome.BAD_REQUEST, e.status(), e.error(), e.getMessage(), 0);
      return;
    }
    planPriorityRewrite();
    if (head.hasDeadline()) {
      deadlineTimer =
          ctx.executor().schedule(this::onDeadline, head.timeoutNanos(), TimeUnit.NANOSECONDS);
    }
    admitting = true;
    Admission.Ticket t = proxy.admission().admit(head, ctx.executor(), this);
    admitting = false;
    ticket = t;
    if (releasedBeforeTicket != null) {
      t.release(releasedBeforeTicket, upstreamNanos);
      return;
    }
    if (admittedDuringAdmit && !ended) {
      dispatch(false);
    }
  }

  private void validate() throws BadRequestException {
    DecoderResult r = request.decoderResult();
    if (r.isFailure()) {
      Throwable c = r.cause();
      if (c instanceof TooLongHttpHeaderException) {
        throw new BadRequestException(
            HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
            "header_too_large",
            "request header block larger than " + proxy.http().maxHeaderSize() + " bytes");
      }
      if (c instanceof TooLongHttpLineException) {
        throw new BadRequestException(
            HttpResponseStatus.REQUEST_URI_TOO_LONG,
            "uri_too_long",
            "request line longer than " + proxy.http().maxInitialLineLength() + " bytes");
      }
      if (c instanceof TooLongFrameException) {
        throw new BadRequestException(
            HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "header_too_large", c.getMessage());
      }
      throw new BadRequestException("malformed request: " + c.getMessage());
    }
    if (request.method() == HttpMethod.CONNECT) {
      throw new BadRequestException(
          HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method_not_allowed",
          "CONNECT is not supported: the sidecar forwards only to its model server");
    }
    if (Headers.hadConflictingFraming(request.headers())) {
      throw new BadRequestException(
          "both Content-Length and Transfer-Encoding are set (expected: one of them)");
    }
    if (!h2) {
      HttpVersion v = request.protocolVersion();
      if (v.majorVersion() != 1 || v.minorVersion() > 1) {
        throw new BadRequestException(
            "HTTP version '" + v.text() + "' (expected: HTTP/1.1 or HTTP/1.0)");
      }
      // Only a lone "chunked" is framing both sides agree on: the decoder reads any list that
      // contains chunked as chunked and anything else as no body, while a model server may read
      // "chunked, identity" or "xchunked" differently, which is how requests are smuggled.
      java.util.List<String> te = request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
      if (!te.isEmpty() && (te.size() > 1 || !"chunked".equalsIgnoreCase(te.get(0).trim()))) {
        throw new BadRequestException(
            "Transfer-Encoding: '" + String.join(", ", te) + "' (expected: chunked)");
      }
    }
    String uri = request.uri();
    if (!uri.startsWith("/")) {
      if (uri.startsWith("http://") || uri.startsWith("https://")) {
        URI u;
        try {
          u = new URI(uri);
        } catch (Exception e) {
          throw new BadRequestException("request target '" + uri + "' is not a valid URI");
        }
        String authority = u.getRawAuthority();
        if (authority == null || !authority.equalsIgnoreCase(proxy.upstreamAuthority())) {
          throw new BadRequestException(
              "absolute-form request target for '"
                  + authority
                  + "' refused: the sidecar is not a forward proxy (expected: origin-form /path)");
        }
        String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
        request.setUri(u.getRawQuery() == null ? path : path + "?" + u.getRawQuery());
      } else if (!("*".equals(uri) && request.method() == HttpMethod.OPTIONS)) {
        throw new BadRequestException("request target '" + uri + "' (expected: origin-form /path)");
      }
    }
    long length = HttpUtil.getContentLength(request, -1L);
    if (length > proxy.http().maxBodySize()) {
      throw new BadRequestException(
          HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          "body_too_large",
          "Content-Length " + length + " exceeds the limit of " + proxy.http().maxBodySize() + " bytes");
    }
  }

  // ---------------------------------------------------------------- admission

  @Override
  public void onAdmitted(long queueNanos) {
    this.queueNanos = queueNanos;
    if (ended) {
      return;
    }
    if (admitting) {
      admittedDuringAdmit = true;
      return;
    }
    dispatch(false);
  }

  @Override
  public void onRejected(Rejection rejection) {
    HttpResponseStatus status;
    String error;
    switch (rejection.outcome()) {
      case SHED:
        status = HttpResponseStatus.TOO_MANY_REQUESTS;
        error = "shed";
        break;
      case DEADLINE:
        status = HttpResponseStatus.GATEWAY_TIMEOUT;
        error = "deadline_unreachable";
        break;
      default:
        status = HttpResponseStatus.SERVICE_UNAVAILABLE;
        error = "unavailable";
        break;
    }
    failWith(rejection.outcome(), Responses.rejection(status, error, rejection),
        rejection.retryAfterMillis());
  }

  // ---------------------------------------------------------------- forward

  private void dispatch(boolean fresh) {
    pool = proxy.pools().forLoop(ctx.channel().eventLoop());
    pool.acquire(this, fresh, this);
  }

  @Override
  public void onAcquired(Channel ch, boolean reused) {
    if (ended) {
      pool.release(ch, true);
      return;
    }
    upstream = ch;
    upstreamReused = reused;
    if (dispatchNanos < 0) {
      dispatchNanos = proxy.clock().getAsLong();
    }
    if (upstreamRequest == null) {
      upstreamRequest = upstreamRequest();
      if (!h2 && HttpUtil.is100ContinueExpected(request)) {
        ctx.writeAndFlush(
            new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
      }
    }
    if (rewrittenBody != null) {
      writeRewritten(ch); // a retry: the whole body is still here
    } else if (heldBody == null) {
      ch.writeAndFlush(upstreamRequest).addListener(this::upstreamWritten);
      if (requestDone) {
        // A retry after a stale connection: the request had no body bytes, only its end.
        ch.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(this::upstreamWritten);
      }
    } // else: the head waits for the held body, whose length may change
    long timeout = proxy.upstream().responseTimeout().toNanos();
    if (responseTimer == null) {
      responseTimer = ctx.executor().schedule(this::onResponseTimeout, timeout, TimeUnit.NANOSECONDS);
    }
    ch.read();
    handler.bodyWanted();
  }

  @Override
  public void onFailed(Throwable cause) {
    if (ended) {
      return;
    }
    fail(
        Outcome.UNAVAILABLE,
        HttpResponseStatus.SERVICE_UNAVAILABLE,
        "upstream_unavailable",
        "cannot connect to the model server at " + proxy.upstreamAuthority() + ": " + describe(cause),
        0);
  }

  private HttpRequest upstreamRequest() {
    HttpHeaders h = Headers.forwardable(request.headers());
    h.set(HttpHeaderNames.HOST, proxy.upstreamAuthority());
    h.remove(HttpHeaderNames.EXPECT);
    SocketAddress remote = (h2 ? ctx.channel().parent() : ctx.channel()).remoteAddress();
    if (remote instanceof InetSocketAddress) {
      String ip = ((InetSocketAddress) remote).getAddress().getHostAddress();
      String prior = h.get("x-forwarded-for");
      h.set("x-forwarded-for", prior == null ? ip : prior + ", " + ip);
    }
    h.set("x-forwarded-proto", "http");
    if (bodyFollows && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri(), h);
  }

  /**
   * Takes one request body part if the upstream can take it now.
   *
   * @return {@code false} when the caller must hold the part and offer it again later
   */
  boolean offerBody(HttpContent c) {
    if (ended) {
      ReferenceCountUtil.release(c);
      if (c instanceof LastHttpContent) {
        requestDone = true;
      }
      return true;
    }
    if (c.decoderResult().isFailure()) {
      ReferenceCountUtil.release(c);
      keepAlive = false;
      fail(Outcome.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST, "bad_request",
          "malformed request body: " + describe(c.decoderResult().cause()), 0);
      return true;
    }
    if (heldBody != null) {
      if (upstream == null) {
        return false;
      }
      hold(c);
      return true;
    }
    if (upstream == null || !upstream.isWritable()) {
      return false;
    }
    int n = c.content().readableBytes();
    bodyBytes += n;
    if (bodyBytes > proxy.http().maxBodySize()) {
      ReferenceCountUtil.release(c);
      keepAlive = false;
      fail(Outcome.BAD_REQUEST, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
          "request body exceeds the limit of " + proxy.http().maxBodySize() + " bytes", 0);
      return true;
    }
    if (c instanceof LastHttpContent) {
      // Always forwarded, even when empty: it ends the message for the upstream's codec.
      requestDone = true;
    }
    forwardedBodyBytes += n;
    proxy.inTransit().add(n);
    upstream.writeAndFlush(c).addListener(f -> {
      proxy.inTransit().remove(n);
      upstreamWritten(f);
    });
    return true;
  }

  // ---------------------------------------------------------------- priority propagation

  /**
   * Decides whether this request's body is held and rewritten to carry its admission class to the
   * engine: the model has propagation enabled, the request is a POST to an OpenAI completions path
   * or a KServe v2 infer path, its Content-Length is known and within the model's bound, and it is
   * not content-encoded. Anything else streams unchanged.
   */
  private void planPriorityRewrite() {
    PropagationPolicy policy = proxy.propagation().policyFor(head.modelLabel());
    if (!policy.enabled() || !bodyFollows || request.method() != HttpMethod.POST) {
      return;
    }
    boolean nested;
    if (head.api() == ApiKind.OPENAI && isCompletions(head.path())) {
      nested = false;
    } else if (head.api() == ApiKind.KSERVE_V2 && head.path().endsWith("/infer")) {
      nested = true;
    } else {
      return;
    }
    String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
    if (encoding != null && !"identity".equalsIgnoreCase(encoding.trim())) {
      return;
    }
    long length = HttpUtil.getContentLength(request, -1L);
    if (length <= 0 || length > policy.maxBodyBytes()) {
      return;
    }
    heldBody = new byte[(int) length];
    rewriteNested = nested;
    rewriteValue = nested ? policy.kserve().of(head.priority()) : policy.openAi().of(head.priority());
  }

  private static boolean isCompletions(String path) {
    String p = path.startsWith("/openai/") ? path.substring("/openai".length()) : path;
    return p.equals("/v1/chat/completions") || p.equals("/v1/completions");
  }

  /** Copies one part of a held body; at its end, rewrites it and sends head and body upstream. */
  private void hold(HttpContent c) {
    int n = c.content().readableBytes();
    boolean last = c instanceof LastHttpContent;
    if (heldBytes + n > heldBody.length) {
      ReferenceCountUtil.release(c);
      keepAlive = false;
      fail(Outcome.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST, "bad_request",
          "request body longer than its Content-Length of " + heldBody.length + " bytes", 0);
      return;
    }
    c.content().readBytes(heldBody, heldBytes, n);
    ReferenceCountUtil.release(c);
    heldBytes += n;
    bodyBytes += n;
    proxy.inTransit().add(n);
    if (!last) {
      return; // the handler reads the next part
    }
    requestDone = true;
    if (heldBytes != heldBody.length) {
      releaseHeld();
      keepAlive = false;
      fail(Outcome.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST, "bad_request",
          "request body of " + heldBytes + " bytes shorter than its Content-Length of "
              + heldBody.length, 0);
      return;
    }
    byte[] out = rewriteNested
        ? JsonPriorityRewriter.inParameters(heldBody, rewriteValue)
        : JsonPriorityRewriter.topLevel(heldBody, rewriteValue);
    rewrittenBody = out != null ? out : heldBody; // not one JSON object: passed on as it came
    releaseHeld();
    writeRewritten(upstream);
  }

  private void writeRewritten(Channel ch) {
    byte[] body = rewrittenBody;
    upstreamRequest.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    upstreamRequest.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
    forwardedBodyBytes = body.length;
    ch.write(upstreamRequest).addListener(this::upstreamWritten);
    ch.writeAndFlush(new DefaultLastHttpContent(Unpooled.wrappedBuffer(body)))
        .addListener(this::upstreamWritten);
  }

  private void releaseHeld() {
    if (heldBody != null) {
      proxy.inTransit().remove(heldBytes);
      heldBody = null;
    }
  }

  private void upstreamWritten(io.netty.util.concurrent.Future<? super Void> f) {
    if (!f.isSuccess() && !ended && upstream != null) {
      upstream.close(); // onUpstreamClosed follows
    }
  }

  // ---------------------------------------------------------------- response

  @Override
  public void onUpstreamMessage(HttpObject msg) {
    if (ended) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpResponse) {
      HttpResponse r = (HttpResponse) msg;
      if (r.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        abortUpstream();
        fail(Outcome.UPSTREAM_ERROR, HttpResponseStatus.BAD_GATEWAY, "bad_upstream_response",
            "the model server sent a malformed answer: " + describe(r.decoderResult().cause()), 0);
        return;
      }
      int code = r.status().code();
      if (code >= 100 && code < 200 && code != 101) {
        skippingInformational = true; // 100 Continue was answered by the sidecar itself
        if (msg instanceof LastHttpContent) {
          skippingInformational = false;
        }
        ReferenceCountUtil.release(msg);
        upstream.read();
        return;
      }
      onResponseHead(r);
      if (msg instanceof FullHttpResponse) {
        FullHttpResponse full = (FullHttpResponse) msg;
        onResponseBody(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
      } else {
        requestMoreResponse();
      }
      return;
    }
    if (msg instanceof HttpContent) {
      if (skippingInformational) {
        if (msg instanceof LastHttpContent) {
          skippingInformational = false;
        }
        ReferenceCountUtil.release(msg);
        upstream.read();
        return;
      }
      onResponseBody((HttpContent) msg);
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  private void onResponseHead(HttpResponse r) {
    cancel(responseTimer);
    upstreamStatus = r.status().code();
    upstreamKeepAlive = HttpUtil.isKeepAlive(r);
    HttpHeaders h = Headers.forwardable(r.headers());
    boolean hasLength = h.contains(HttpHeaderNames.CONTENT_LENGTH);
    boolean noBody =
        request.method() == HttpMethod.HEAD
            || upstreamStatus == 204
            || upstreamStatus == 304;
    if (!h2) {
      boolean http11 = request.protocolVersion().equals(HttpVersion.HTTP_1_1);
      keepAlive = keepAlive && !handler.isClosing();
      if (!hasLength && !noBody) {
        if (http11) {
          h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        } else {
          keepAlive = false; // an HTTP/1.0 client learns the end from the close
        }
      }
      if (!keepAlive) {
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      } else if (!http11) {
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
      }
    }
    if (queueNanos >= 0) {
      h.set(QUEUE_WAIT_HEADER, Long.toString(queueNanos / 1_000_000));
    }
    HttpVersion version = h2 ? HttpVersion.HTTP_1_1 : request.protocolVersion();
    responseStarted = true;
    firstByteNanos = proxy.clock().getAsLong();
    ctx.writeAndFlush(new DefaultHttpResponse(version, r.status(), h))
        .addListener(this::clientWritten);
  }

  private void onResponseBody(HttpContent c) {
    int n = c.content().readableBytes();
    boolean last = c instanceof LastHttpContent;
    proxy.inTransit().add(n);
    if (last) {
      upstreamNanos = proxy.clock().getAsLong() - dispatchNanos;
      ended = true;
      cancel(deadlineTimer);
      releaseUpstream(requestDone && upstreamKeepAlive);
      boolean keep = canKeep();
      ctx.writeAndFlush(c).addListener(f -> {
        proxy.inTransit().remove(n);
        if (f.isSuccess()) {
          finish(outcomeOf(upstreamStatus), keep);
        } else {
          finish(Outcome.CANCELLED, false);
        }
      });
      return;
    }
    ctx.writeAndFlush(c).addListener(f -> {
      proxy.inTransit().remove(n);
      clientWritten(f);
    });
    requestMoreResponse();
  }


  private void requestMoreResponse() {
    if (ended || upstream == null) {
      return;
    }
    if (ctx.channel().isWritable()) {
      upstream.read();
    } else {
      awaitingClientWritable = true;
    }
  }

  void onClientWritable() {
    if (awaitingClientWritable) {
      awaitingClientWritable = false;
      requestMoreResponse();
    }
  }

  @Override
  public void onUpstreamWritable() {
    if (!ended) {
      handler.bodyWanted();
    }
  }

  private void clientWritten(io.netty.util.concurrent.Future<? super Void> f) {
    if (!f.isSuccess()) {
      ctx.close(); // onClientGone follows from channelInactive
    }
  }

  // ---------------------------------------------------------------- failures and timeouts

  @Override
  public void onUpstreamClosed(Throwable cause) {
    Channel dead = upstream;
    upstream = null;
    if (dead != null && pool != null) {
      pool.release(dead, false);
    }
    if (ended) {
      return;
    }
    if (!responseStarted && upstreamReused && !retried
        && (forwardedBodyBytes == 0 || rewrittenBody != null)) {
      // A kept-alive connection the server had closed just before we used it: nothing of this
      // request was processed, so it is safe to send it once more on a new connection.
      retried = true;
      dispatch(true);
      return;
    }
    if (!responseStarted) {
      fail(Outcome.UPSTREAM_ERROR, HttpResponseStatus.BAD_GATEWAY, "upstream_closed",
          "the model server closed the connection before answering"
              + (cause == null ? "" : ": " + describe(cause)), 0);
    } else {
      // The answer is half sent: cutting the client connection (or resetting the stream) is the
      // only way left to say it is incomplete.
      ended = true;
      finish(Outcome.UPSTREAM_ERROR, false);
    }
  }

  void onClientGone() {
    if (finished) {
      return;
    }
    ended = true;
    abortUpstream();
    finish(Outcome.CANCELLED, false);
  }

  private void onDeadline() {
    if (ended) {
      return;
    }
    fail(Outcome.DEADLINE, HttpResponseStatus.GATEWAY_TIMEOUT, "deadline_exceeded",
        "the answer did not complete within x-aim-deadline-ms=" + (head.timeoutNanos() / 1_000_000), 0);
  }

  private void onResponseTimeout() {
    if (ended || responseStarted) {
      return;
    }
    fail(Outcome.DEADLINE, HttpResponseStatus.GATEWAY_TIMEOUT, "upstream_timeout",
        "the model server did not start its answer within "
            + proxy.upstream().responseTimeout().toMillis() + " ms", 0);
  }

  /**
   * Ends the exchange with an answer the sidecar makes itself, or, when the upstream's answer has
   * already started, by cutting the client connection or stream.
   */
  private void fail(
      Outcome outcome, HttpResponseStatus status, String error, String reason, long retryAfterMs) {
    if (ended) {
      return;
    }
    failWith(outcome, Responses.error(status, error, reason), retryAfterMs);
  }

  /** {@link #fail} with the answer already built. */
  private void failWith(Outcome outcome, FullHttpResponse r, long retryAfterMs) {
    if (ended) {
      ReferenceCountUtil.release(r);
      return;
    }
    ended = true;
    abortUpstream();
    if (responseStarted) {
      ReferenceCountUtil.release(r);
      finish(outcome, false);
      return;
    }
    responseStarted = true;
    firstByteNanos = proxy.clock().getAsLong();
    if (retryAfterMs > 0) {
      r.headers().set(HttpHeaderNames.RETRY_AFTER, Long.toString((retryAfterMs + 999) / 1000));
    }
    boolean keep = canKeep();
    if (!h2) {
      // An unsupported version (refused above) is answered in HTTP/1.1, never echoed back.
      boolean known = request.protocolVersion().majorVersion() == 1
          && request.protocolVersion().minorVersion() <= 1;
      r.setProtocolVersion(known ? request.protocolVersion() : HttpVersion.HTTP_1_1);
      if (!keep) {
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
    }
    ctx.writeAndFlush(r).addListener(f -> finish(outcome, keep && f.isSuccess()));
  }

  private void abortUpstream() {
    Channel ch = upstream;
    upstream = null;
    if (ch != null) {
      if (dispatchNanos >= 0 && upstreamNanos < 0) {
        upstreamNanos = proxy.clock().getAsLong() - dispatchNanos;
      }
      pool.release(ch, false);
    }
  }

  private void releaseUpstream(boolean reusable) {
    Channel ch = upstream;
    upstream = null;
    if (ch != null) {
      pool.release(ch, reusable);
    }
  }

  /** The single report: admission ticket, metrics, connection bookkeeping. */
  private void finish(Outcome outcome, boolean keep) {
    if (finished) {
      return;
    }
    finished = true;
    ended = true;
    releaseHeld();
    rewrittenBody = null;
    cancel(deadlineTimer);
    cancel(responseTimer);
    abortUpstream();
    long now = proxy.clock().getAsLong();
    if (ticket != null) {
      ticket.release(outcome, upstreamNanos);
    } else if (admitting) {
      releasedBeforeTicket = outcome;
    }
    String label = head != null ? head.modelLabel() : ModelLabels.UNKNOWN;
    Priority priority = head != null ? head.priority() : Priority.MEDIUM;
    long ttfb = firstByteNanos < 0 ? -1 : firstByteNanos - arrivalNanos;
    proxy.observer().onComplete(label, priority, outcome, queueNanos, upstreamNanos, ttfb, now - arrivalNanos);
    handler.connection().exchangeEnded();
    proxy.exchangeEnded();
    handler.exchangeEnded(this, keep);
  }

  /**
   * Whether the client connection can carry another request after this answer: the client asked
   * for keep-alive, the sidecar is not closing the connection, and its request was read to the end,
   * had no body, or has a rest the connection can read and drop ({@link #restIsDiscardable()}).
   * Keeping it matters most for refusals: a shed client that retries after Retry-After (or sends
   * its next request at once) does not pay a new connection, and a TLS handshake, per 429.
   */
  private boolean canKeep() {
    return keepAlive && !handler.isClosing()
        && (requestDone || !bodyFollows || restIsDiscardable());
  }

  /**
   * Whether the unread rest of the request body may be read and dropped after an answer that did
   * not need it: its length is known and at most {@link #DISCARDABLE_BODY_BYTES}, and the client
   * is not waiting for {@code 100 Continue} before sending it (it might then never send it, and
   * the connection could not tell the next request from the body). The connection's handler drops
   * body parts that arrive after their exchange ended.
   */
  private boolean restIsDiscardable() {
    if (h2 || HttpUtil.is100ContinueExpected(request)
        || HttpUtil.isTransferEncodingChunked(request)) {
      return false;
    }
    long length = HttpUtil.getContentLength(request, -1L);
    return length >= 0 && length <= DISCARDABLE_BODY_BYTES;
  }

  private static Outcome outcomeOf(int status) {
    if (status >= 500) {
      return Outcome.UPSTREAM_ERROR;
    }
    if (status >= 400) {
      return Outcome.CLIENT_ERROR;
    }
    return Outcome.OK;
  }

  private static void cancel(ScheduledFuture<?> f) {
    if (f != null) {
      f.cancel(false);
    }
  }

  private static String describe(Throwable t) {
    if (t == null) {
      return "unknown cause";
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m;
  }
}
