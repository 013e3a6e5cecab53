package ai.aim.proxy.http;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.config.HttpConfig;
import ai.aim.proxy.config.UpstreamConfig;
import ai.aim.proxy.metrics.RequestObserver;
import ai.aim.proxy.propagation.PriorityPropagation;
import ai.aim.proxy.upstream.UpstreamPools;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * The client-facing HTTP request path: the channel initializer for the HTTP port (HTTP/1.1 with
 * keep-alive, h2c by upgrade and by prior knowledge; or, with a TLS context, HTTP/1.1 and h2 as
 * chosen by ALPN) and the state its exchanges share.
 *
 * <p>Thread-safe: everything here is immutable or atomic; each connection's state lives on its
 * event loop.
 */
public final class HttpProxy {

  private final HttpConfig http;
  private final UpstreamConfig upstream;
  private final RequestClassifier classifier;
  private final Admission admission;
  private final RequestObserver observer;
  private final UpstreamPools pools;
  private final LongSupplier clock;
  private final PriorityPropagation propagation;
  private final Duration drainTimeout;
  private final InTransitBytes inTransit = new InTransitBytes();
  private final AtomicInteger inflight = new AtomicInteger();
  private final ChannelGroup connections = new DefaultChannelGroup("aim-http", GlobalEventExecutor.INSTANCE);
  private final String upstreamAuthority;
  private final SslContext tls;
  private volatile boolean draining;

  /**
   * @param http listener settings and limits
   * @param upstream the model server
   * @param pools upstream channels per event loop
   * @param admission the admission seam ({@link Admission#PASS_THROUGH} until the core is wired)
   * @param observer told once per finished request
   * @param labels configured model names (metric label folding)
   * @param defaultPriority a model's default priority, {@code null} result = MEDIUM
   * @param propagation which models' requests carry their class to the engine in the body
   * @param drainTimeout how long h2 connections may take to finish their streams on drain
   * @param clock the nano clock
   * @param tls the port's TLS context (from {@code ai.aim.proxy.tls.ServerTls#http}), or {@code
   *     null} for cleartext
   */
  public HttpProxy(
      HttpConfig http,
      UpstreamConfig upstream,
      UpstreamPools pools,
      Admission admission,
      RequestObserver observer,
      ModelLabels labels,
      Function<String, Priority> defaultPriority,
      PriorityPropagation propagation,
      Duration drainTimeout,
      LongSupplier clock,
      SslContext tls) {
    this.tls = tls;
    this.http = http;
    this.upstream = upstream;
    this.pools = pools;
    this.admission = admission;
    this.observer = observer;
    this.clock = clock;
    this.propagation = propagation;
    this.drainTimeout = drainTimeout;
    this.classifier = new RequestClassifier(labels, http.defaultModel(), defaultPriority);
    this.upstreamAuthority = upstream.authority();
  }

  /** The initializer for accepted client connections; set auto-read off on the server bootstrap. */
  public ChannelInitializer<SocketChannel> initializer() {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        configure(ch);
      }
    };
  }

  private void configure(SocketChannel ch) {
    ch.config().setAutoRead(false);
    connections.add(ch);
    ChannelPipeline p = ch.pipeline();
    long idleMs = http.idleTimeout().toMillis();
    if (idleMs > 0) {
      p.addLast(new IdleStateHandler(0, 0, idleMs, TimeUnit.MILLISECONDS));
    }
    p.addLast(new ConnectionHandler(idleMs));
    if (tls != null) {
      // The codecs go in between once ALPN has chosen; the first read (issued by the exchange
      // handler when the channel becomes active) starts the handshake, SslHandler reads on by
      // itself until it is done.
      p.addLast(tls.newHandler(ch.alloc()));
      p.addLast(new AlpnSwitch(this));
      p.addLast(new FlowControlHandler());
      p.addLast(new ExchangeHandler(this, false));
      return;
    }
    HttpServerCodec codec = http1Codec();
    HttpServerUpgradeHandler upgrade =
        new HttpServerUpgradeHandler(
            codec,
            protocol ->
                AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                    ? new Http2ServerUpgradeCodec(http2Codec(), new Http2MultiplexHandler(streamInitializer()))
                    : null,
            http.maxUpgradeBodySize());
    p.addLast(
        new CleartextHttp2ServerUpgradeHandler(
            codec,
            upgrade,
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel c) {
                c.pipeline().addLast(http2Codec(), new Http2MultiplexHandler(streamInitializer()));
              }
            }));
    // The cleartext handler put the HTTP/1.1 codec into the pipeline; guard the upgrade behind it.
    p.addAfter(p.context(codec).name(), null, new UpgradeBodyGuard(http.maxUpgradeBodySize()));
    p.addLast(new FlowControlHandler());
    p.addLast(new ExchangeHandler(this, false));
  }

  HttpServerCodec http1Codec() {
    return new HttpServerCodec(
        new HttpDecoderConfig()
            .setMaxInitialLineLength(http.maxInitialLineLength())
            .setMaxHeaderSize(http.maxHeaderSize())
            .setMaxChunkSize(64 * 1024)
            .setHeadersFactory(Headers.STRICT));
  }

  /** The HTTP/2 handlers of a connection: frame codec, then one child channel per stream. */
  ChannelHandler[] http2Handlers() {
    return new ChannelHandler[] {http2Codec(), new Http2MultiplexHandler(streamInitializer())};
  }

  private Http2FrameCodec http2Codec() {
    return Http2FrameCodecBuilder.forServer()
        .initialSettings(Http2Settings.defaultSettings().maxHeaderListSize(http.maxHeaderSize()))
        .gracefulShutdownTimeoutMillis(drainTimeout.toMillis())
        .build();
  }

  private ChannelHandler streamInitializer() {
    return new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel stream) {
        stream.config().setOption(ChannelOption.AUTO_READ, false);
        stream
            .pipeline()
            .addLast(new Http2StreamFrameToHttpObjectCodec(true))
            .addLast(new FlowControlHandler())
            .addLast(new ExchangeHandler(HttpProxy.this, true));
      }
    };
  }

  /**
   * Starts draining: new requests on HTTP/1.1 connections get {@code Connection: close}, idle
   * connections close now, h2c connections get GOAWAY and close once their streams finish.
   */
  public void drain() {
    draining = true;
    for (Channel ch : connections) {
      ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(ConnectionHandler.DRAIN));
    }
  }

  /** Closes every client connection now (after the drain timeout). */
  public void closeConnections() {
    connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
  }

  /** True once {@link #drain()} was called. */
  public boolean isDraining() {
    return draining;
  }

  /** Requests between head parsed and final byte (or refusal) sent. */
  public int inflight() {
    return inflight.get();
  }

  /** Body bytes held between the two sides right now and at most. */
  public InTransitBytes inTransit() {
    return inTransit;
  }

  /** Open client connections. */
  public int connectionCount() {
    return connections.size();
  }

  void exchangeStarted() {
    inflight.incrementAndGet();
  }

  void exchangeEnded() {
    inflight.decrementAndGet();
  }

  HttpConfig http() {
    return http;
  }

  UpstreamConfig upstream() {
    return upstream;
  }

  String upstreamAuthority() {
    return upstreamAuthority;
  }

  RequestClassifier classifier() {
    return classifier;
  }

  Admission admission() {
    return admission;
  }

  RequestObserver observer() {
    return observer;
  }

  UpstreamPools pools() {
    return pools;
  }

  LongSupplier clock() {
    return clock;
  }

  PriorityPropagation propagation() {
    return propagation;
  }
}
