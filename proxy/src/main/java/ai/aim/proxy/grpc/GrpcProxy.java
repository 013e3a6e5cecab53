package ai.aim.proxy.grpc;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.RequestObserver;
import ai.aim.proxy.propagation.PriorityPropagation;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.SslContext;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/**
 * The sidecar's gRPC pass-through: a gRPC server that forwards every call, of any service and
 * method, to the model server's gRPC port as opaque bytes.
 *
 * <p>What it does per call: reads the call's head ({@code x-aim-priority}, {@code x-aim-tenant},
 * {@code x-aim-model} or field 1 of a KServe v2 {@code ModelInfer}/{@code ModelStreamInfer}
 * request, the deadline from {@code grpc-timeout} tightened by {@code x-aim-deadline-ms}), asks
 * the {@link GrpcAdmission}, then opens the same method on the model server and streams request
 * and response messages both ways with flow control, passing on metadata (minus hop-specific
 * keys), response headers, status and trailers, the deadline, and cancellation in both
 * directions. Invalid {@code x-aim-*} metadata is {@code INVALID_ARGUMENT}; an unreachable model
 * server is {@code UNAVAILABLE}; a passed deadline is {@code DEADLINE_EXCEEDED}; a message larger
 * than {@link Builder#maxInboundMessageSize} is {@code RESOURCE_EXHAUSTED}. The {@link
 * RequestObserver} hears once of every finished call. See {@code docs/grpc.md}.
 *
 * <p>Usage:
 *
 * <pre>{@code
 * GrpcProxy proxy = GrpcProxy.builder()
 *     .port(9001)
 *     .eventLoops(boss, workers, EpollServerSocketChannel.class, EpollSocketChannel.class)
 *     .upstream("127.0.0.1", 8001)
 *     .observer(observer)
 *     .admission(admission)
 *     .build()
 *     .start();
 * ...
 * proxy.shutdown(Duration.ofSeconds(10));
 * }</pre>
 *
 * <p>Threading: every call runs confined to the worker event loop of its client connection; each
 * worker loop has its own HTTP/2 connection to the model server on that same loop. The event loop
 * groups given to {@link Builder#eventLoops} stay owned by the caller (not shut down here); when
 * none are given the proxy makes and owns its own. {@link #start()} and {@link #shutdown} are
 * called by one owning thread; {@link #port()} is safe on any thread after start.
 */
public final class GrpcProxy implements AutoCloseable {

  /** Default cap on one inbound message, either direction: 64 MiB. */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_SIZE = 64 * 1024 * 1024;

  /** Default HTTP/2 flow-control window per stream, both sides: 1 MiB. */
  public static final int DEFAULT_FLOW_CONTROL_WINDOW = 1024 * 1024;

  private final String bindHost;
  private final int requestedPort;
  private final String upstreamTarget;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final boolean ownsEventLoops;
  private final Routes routes;
  private final Server server;
  private volatile boolean started;

  private GrpcProxy(Builder b) {
    this.bindHost = b.bindHost;
    this.requestedPort = b.port;
    this.upstreamTarget = b.upstreamHost + ":" + b.upstreamPort;
    Class<? extends ServerChannel> serverChannelType;
    Class<? extends Channel> channelType;
    if (b.workers != null) {
      this.boss = b.boss;
      this.workers = b.workers;
      serverChannelType = b.serverChannelType;
      channelType = b.channelType;
      this.ownsEventLoops = false;
    } else if (Epoll.isAvailable()) {
      this.boss = new EpollEventLoopGroup(1);
      this.workers = new EpollEventLoopGroup(b.ownEventLoops);
      serverChannelType = EpollServerSocketChannel.class;
      channelType = EpollSocketChannel.class;
      this.ownsEventLoops = true;
    } else {
      this.boss = new NioEventLoopGroup(1);
      this.workers = new NioEventLoopGroup(b.ownEventLoops);
      serverChannelType = NioServerSocketChannel.class;
      channelType = NioSocketChannel.class;
      this.ownsEventLoops = true;
    }
    this.routes =
        new Routes(
            workers,
            channelType,
            b.upstreamHost,
            b.upstreamPort,
            b.maxInboundMessageSize,
            b.flowControlWindow);
    ProxySettings settings =
        new ProxySettings(
            b.admission, b.observer, b.modelFolding, b.defaultPriority, b.propagation, b.nanoClock);
    NettyServerBuilder nb =
        NettyServerBuilder.forAddress(new InetSocketAddress(b.bindHost, b.port))
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .channelType(serverChannelType)
            // Safe: the forwarding never blocks, and it relies on running on the connection's loop.
            .directExecutor()
            .fallbackHandlerRegistry(new ForwardingRegistry(routes, settings))
            .maxInboundMessageSize(b.maxInboundMessageSize)
            // A fixed window: grpc-java's automatic window tuning pings the peer on reads, an
            // extra frame exchange per small call that a loopback hop does not need.
            .flowControlWindow(b.flowControlWindow);
    if (b.sslContext != null) {
      nb.sslContext(b.sslContext);
    }
    this.server = nb.build();
  }

  /** A builder with the defaults: port 0, bind 0.0.0.0, admit everything, observe nothing. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the port and starts serving.
   *
   * @return this
   * @throws IOException when the port cannot be bound
   * @throws IllegalStateException when already started
   */
  public GrpcProxy start() throws IOException {
    if (started) {
      throw new IllegalStateException("already started");
    }
    server.start();
    started = true;
    return this;
  }

  /** The bound port (useful with port 0); after {@link #start()}. */
  public int port() {
    if (!started) {
      throw new IllegalStateException("not started");
    }
    return server.getPort();
  }

  /**
   * Stops taking calls, lets running calls finish until {@code timeout} has passed, then cancels
   * the rest and closes the connections to the model server.
   *
   * @return true when everything ended within the timeout
   */
  public boolean shutdown(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    server.shutdown();
    boolean clean = server.awaitTermination(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (!clean) {
      server.shutdownNow();
      server.awaitTermination(1, TimeUnit.SECONDS);
    }
    routes.shutdown();
    clean &= routes.awaitTermination(deadline);
    if (ownsEventLoops) {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    return clean;
  }

  /** {@link #shutdown} with a 5 second grace period. */
  @Override
  public void close() {
    try {
      shutdown(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "GrpcProxy[" + bindHost + ":" + (started ? port() : requestedPort) + " -> "
        + upstreamTarget + "]";
  }

  /**
   * Collects the proxy's settings. Not thread-safe; use from one thread, then {@link #build()}.
   * Every setter validates its argument and says what it expected.
   */
  public static final class Builder {
    private String bindHost = "0.0.0.0";
    private int port;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Class<? extends ServerChannel> serverChannelType;
    private Class<? extends Channel> channelType;
    private int ownEventLoops = Math.max(1, Runtime.getRuntime().availableProcessors());
    private String upstreamHost;
    private int upstreamPort = -1;
    private int maxInboundMessageSize = DEFAULT_MAX_INBOUND_MESSAGE_SIZE;
    private int flowControlWindow = DEFAULT_FLOW_CONTROL_WINDOW;
    private RequestObserver observer = RequestObserver.NOOP;
    private GrpcAdmission admission = GrpcAdmission.ADMIT_ALL;
    private UnaryOperator<String> modelFolding = UnaryOperator.identity();
    private Function<String, Priority> defaultPriority = model -> Priority.MEDIUM;
    private LongSupplier nanoClock = System::nanoTime;
    private SslContext sslContext;
    private PriorityPropagation propagation = PriorityPropagation.off();

    private Builder() {}

    /** The address to listen on; default {@code 0.0.0.0}. */
    public Builder bindHost(String host) {
      this.bindHost = Objects.requireNonNull(host, "bindHost");
      return this;
    }

    /** The port to listen on ({@code --grpc-port}); 0 picks a free one. */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
      }
      this.port = port;
      return this;
    }

    /**
     * Shares the sidecar's Netty event loops: {@code boss} accepts, {@code workers} run the
     * connections (client and upstream), and the channel classes must match the groups (epoll or
     * NIO). The groups stay owned by the caller.
     */
    public Builder eventLoops(
        EventLoopGroup boss,
        EventLoopGroup workers,
        Class<? extends ServerChannel> serverChannelType,
        Class<? extends Channel> channelType) {
      this.boss = Objects.requireNonNull(boss, "boss");
      this.workers = Objects.requireNonNull(workers, "workers");
      this.serverChannelType = Objects.requireNonNull(serverChannelType, "serverChannelType");
      this.channelType = Objects.requireNonNull(channelType, "channelType");
      return this;
    }

    /** Number of worker loops the proxy makes when no {@link #eventLoops} are given. */
    public Builder ownEventLoops(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("ownEventLoops: " + n + " (expected: >= 1)");
      }
      this.ownEventLoops = n;
      return this;
    }

    /** The model server's gRPC address ({@code --upstream-grpc}). Plaintext. */
    public Builder upstream(String host, int port) {
      if (host == null || host.isBlank()) {
        throw new IllegalArgumentException("upstream host: '" + host + "' (expected: a host name or address)");
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("upstream port: " + port + " (expected: 1..65535)");
      }
      this.upstreamHost = host;
      this.upstreamPort = port;
      return this;
    }

    /** The model server's gRPC address as {@code HOST:PORT} (IPv6 as {@code [addr]:port}). */
    public Builder upstream(String hostPort) {
      String v = hostPort == null ? "" : hostPort.trim();
      int colon = v.lastIndexOf(':');
      if (colon <= 0 || colon == v.length() - 1) {
        throw new IllegalArgumentException("upstream-grpc: '" + hostPort + "' (expected: HOST:PORT)");
      }
      String host = v.substring(0, colon);
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      int p;
      try {
        p = Integer.parseInt(v.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("upstream-grpc: '" + hostPort + "' (expected: HOST:PORT)");
      }
      return upstream(host, p);
    }

    /** Cap on one inbound message in either direction; larger is RESOURCE_EXHAUSTED. */
    public Builder maxInboundMessageSize(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxInboundMessageSize: " + bytes + " (expected: >= 1)");
      }
      this.maxInboundMessageSize = bytes;
      return this;
    }

    /**
     * The HTTP/2 flow-control window per stream towards the client and towards the model server
     * (fixed, not auto-tuned); how much of one stream may be in flight on each hop.
     */
    public Builder flowControlWindow(int bytes) {
      if (bytes < 65535) {
        throw new IllegalArgumentException("flowControlWindow: " + bytes + " (expected: >= 65535)");
      }
      this.flowControlWindow = bytes;
      return this;
    }

    /** Hears once of every finished call, on its event loop. */
    public Builder observer(RequestObserver observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    /** Decides each call before it is forwarded; default {@link GrpcAdmission#ADMIT_ALL}. */
    public Builder admission(GrpcAdmission admission) {
      this.admission = Objects.requireNonNull(admission, "admission");
      return this;
    }

    /**
     * Maps the client's model name to the one admission and metrics use (e.g. unknown models to
     * one value, so clients cannot grow the label set). Default: unchanged. Must not block.
     */
    public Builder modelFolding(UnaryOperator<String> folding) {
      this.modelFolding = Objects.requireNonNull(folding, "modelFolding");
      return this;
    }

    /** The priority of a call without {@code x-aim-priority}, by model. Default: MEDIUM. */
    public Builder defaultPriority(Function<String, Priority> defaultPriority) {
      this.defaultPriority = Objects.requireNonNull(defaultPriority, "defaultPriority");
      return this;
    }

    /**
     * Which models' KServe v2 infer calls carry their class to the engine as the {@code priority}
     * parameter; off for all by default.
     */
    public Builder propagation(PriorityPropagation p) {
      this.propagation = Objects.requireNonNull(p, "propagation");
      return this;
    }

    /** The clock for call timing and {@link CallHead} times; default {@link System#nanoTime}. */
    public Builder nanoClock(LongSupplier nanoClock) {
      this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
      return this;
    }

    /**
     * TLS on the listener, from {@code ai.aim.proxy.tls.ServerTls#grpc} (or grpc-java's {@code
     * GrpcSslContexts}); {@code null}, the default, for plaintext h2c. The upstream hop stays
     * plaintext (the model server is on localhost).
     */
    public Builder sslContext(SslContext sslContext) {
      this.sslContext = sslContext;
      return this;
    }

    /**
     * Builds the proxy (not yet listening).
     *
     * @throws IllegalStateException when no upstream was given
     */
    public GrpcProxy build() {
      if (upstreamHost == null) {
        throw new IllegalStateException("upstream: not set (expected: upstream(host, port))");
      }
      return new GrpcProxy(this);
    }
  }
}
