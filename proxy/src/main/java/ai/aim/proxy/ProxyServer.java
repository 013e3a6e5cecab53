package ai.aim.proxy;

import ai.aim.proxy.admin.AdminResponse;
import ai.aim.proxy.admin.AdminRoutes;
import ai.aim.proxy.admin.AdminServer;
import ai.aim.proxy.admin.ReadinessProbe;
import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.config.ProxyConfig;
import ai.aim.proxy.http.Admission;
import ai.aim.proxy.http.HttpProxy;
import ai.aim.proxy.http.ModelLabels;
import ai.aim.proxy.metrics.RequestObserver;
import ai.aim.proxy.propagation.PriorityPropagation;
import ai.aim.proxy.transport.Transport;
import ai.aim.proxy.upstream.UpstreamPools;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's HTTP side as one object: transport, the HTTP listener, upstream pools, the admin
 * listener and the readiness probe, started together and drained together.
 *
 * <p>Shutdown order ({@link #close()}, also run by the JVM shutdown hook in {@link Main}):
 * readiness goes false, the HTTP listener stops accepting, open connections are told to finish
 * (Connection: close / GOAWAY), in-flight requests get up to the drain timeout, then the remaining
 * connections, the admin listener and the event loops close.
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
public final class ProxyServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  private final ProxyConfig config;
  private final Transport transport;
  private final boolean ownsTransport;
  private final UpstreamPools pools;
  private final HttpProxy http;
  private final Channel httpChannel;
  private final AdminRoutes adminRoutes;
  private final AdminServer admin;
  private final ReadinessProbe readiness;
  private final PrometheusMeterRegistry registry;
  private boolean closed;

  private ProxyServer(Builder b) throws InterruptedException {
    this.config = b.config;
    this.ownsTransport = b.transport == null;
    this.transport = ownsTransport ? Transport.create(config.eventLoops()) : b.transport;
    this.registry =
        b.registry != null ? b.registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.pools = new UpstreamPools(transport, config.upstream());
    this.http =
        new HttpProxy(
            config.http(),
            config.upstream(),
            pools,
            b.admission,
            b.observer,
            new ModelLabels(config.modelNames()),
            b.defaultPriority,
            b.propagation,
            config.drainTimeout(),
            b.clock,
            b.tls);
    URI probe = URI.create(
        config.upstream().http().toString().replaceAll("/+$", "") + config.admin().readinessPath());
    this.readiness = new ReadinessProbe(probe, config.admin().readinessInterval()).start();
    this.adminRoutes = new AdminRoutes();
    adminRoutes.register("/health/live", r -> AdminResponse.json(200, "{\"status\":\"live\"}"));
    adminRoutes.register("/health/ready", r -> readinessAnswer());
    adminRoutes.register("/metrics", r -> new AdminResponse(
        200, "text/plain; version=0.0.4; charset=utf-8",
        registry.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    Gauge.builder("aim_http_inflight_requests", http, HttpProxy::inflight)
        .description("HTTP requests between head parsed and answer finished")
        .register(registry);
    Gauge.builder("aim_http_connections", http, HttpProxy::connectionCount)
        .description("Open client connections on the HTTP port")
        .register(registry);
    Gauge.builder("aim_http_in_transit_bytes", http, h -> h.inTransit().current())
        .description("Body bytes held by the sidecar between client and model server")
        .baseUnit("bytes")
        .register(registry);

    Channel bound = null;
    AdminServer adminServer = null;
    try {
      bound =
          new ServerBootstrap()
              .group(transport.bossGroup(), transport.workerGroup())
              .channel(transport.serverChannelClass())
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childOption(ChannelOption.AUTO_READ, false)
              .childHandler(http.initializer())
              .bind(config.http().bind(), config.http().port())
              .sync()
              .channel();
      adminServer =
          AdminServer.start(transport, config.admin().bind(), config.admin().port(), adminRoutes);
    } catch (InterruptedException | RuntimeException e) {
      if (bound != null) {
        bound.close();
      }
      readiness.close();
      if (ownsTransport) {
        transport.close();
      }
      throw e;
    }
    this.httpChannel = bound;
    this.admin = adminServer;
    log.info(
        "listening: http {}:{} ({}) admin {}:{}, upstream {} ({}), transport {}",
        config.http().bind(), httpPort(), b.tls == null ? "cleartext" : "TLS",
        config.admin().bind(), adminPort(),
        config.upstream().http(), config.upstream().protocol(), transport.name());
  }

  /** A builder for a server with {@code config}. */
  public static Builder builder(ProxyConfig config) {
    return new Builder(config);
  }

  private AdminResponse readinessAnswer() {
    if (readiness.isReady()) {
      return AdminResponse.json(200, "{\"status\":\"ready\"}");
    }
    String why = readiness.isDraining() ? "draining" : "upstream not ready";
    return AdminResponse.json(503, "{\"status\":\"not_ready\",\"reason\":\"" + why + "\"}");
  }

  /** The bound HTTP port. */
  public int httpPort() {
    return ((InetSocketAddress) httpChannel.localAddress()).getPort();
  }

  /** The bound admin port. */
  public int adminPort() {
    return admin.port();
  }

  /** The shared event loops (for the gRPC listener and anything else that does I/O). */
  public Transport transport() {
    return transport;
  }

  /** The admin route table, to register more routes ({@code /slo}, {@code /config}). */
  public AdminRoutes adminRoutes() {
    return adminRoutes;
  }

  /** The HTTP request path: in-flight count, bytes in transit. */
  public HttpProxy http() {
    return http;
  }

  /** The readiness state behind {@code /health/ready}. */
  public ReadinessProbe readiness() {
    return readiness;
  }

  /** The registry behind {@code /metrics}. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The configuration the server runs with. */
  public ProxyConfig config() {
    return config;
  }

  /**
   * Drains and stops: readiness false, stop accepting, let in-flight requests finish within the
   * configured drain timeout, then close everything. Blocks until done.
   */
  @Override
  public void close() {
    close(config.drainTimeout());
  }

  /**
   * As {@link #close()}, with {@code timeout} for the in-flight requests instead of the configured
   * drain timeout (the sidecar passes what is left of it after draining the gRPC port).
   */
  public synchronized void close(Duration timeout) {
    if (closed) {
      return;
    }
    closed = true;
    readiness.markDraining();
    httpChannel.close().awaitUninterruptibly();
    http.drain();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (http.inflight() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (http.inflight() > 0) {
      log.warn("drain timeout of {} passed with {} requests in flight; closing them", timeout, http.inflight());
    }
    http.closeConnections();
    pools.close();
    admin.close();
    readiness.close();
    if (ownsTransport) {
      transport.shutdown(Duration.ofSeconds(5));
    }
    log.info("stopped");
  }

  /** Collects what the server is built from; {@link #start()} binds the listeners. */
  public static final class Builder {
    private final ProxyConfig config;
    private Transport transport;
    private Admission admission = Admission.PASS_THROUGH;
    private RequestObserver observer = RequestObserver.NOOP;
    private PrometheusMeterRegistry registry;
    private Function<String, Priority> defaultPriority = m -> Priority.MEDIUM;
    private LongSupplier clock = System::nanoTime;
    private SslContext tls;
    private PriorityPropagation propagation = PriorityPropagation.off();

    private Builder(ProxyConfig config) {
      this.config = Objects.requireNonNull(config, "config");
    }

    /** Event loops shared with other listeners; the server will not shut them down. */
    public Builder transport(Transport t) {
      this.transport = t;
      return this;
    }

    /** The admission seam; {@link Admission#PASS_THROUGH} by default. */
    public Builder admission(Admission a) {
      this.admission = Objects.requireNonNull(a, "admission");
      return this;
    }

    /** Told once per finished request; {@link RequestObserver#NOOP} by default. */
    public Builder observer(RequestObserver o) {
      this.observer = Objects.requireNonNull(o, "observer");
      return this;
    }

    /** The registry behind {@code /metrics}; a fresh one by default. */
    public Builder registry(PrometheusMeterRegistry r) {
      this.registry = r;
      return this;
    }

    /** A model's default priority when a request sets none; MEDIUM by default. */
    public Builder defaultPriority(Function<String, Priority> f) {
      this.defaultPriority = Objects.requireNonNull(f, "defaultPriority");
      return this;
    }

    /** Which models' requests carry their class to the engine; off for all by default. */
    public Builder propagation(PriorityPropagation p) {
      this.propagation = Objects.requireNonNull(p, "propagation");
      return this;
    }

    /** The nano clock for request timing. */
    public Builder clock(LongSupplier c) {
      this.clock = Objects.requireNonNull(c, "clock");
      return this;
    }

    /**
     * TLS on the HTTP port (ALPN: h2, http/1.1), from {@code ai.aim.proxy.tls.ServerTls#http};
     * {@code null} (the default) for cleartext HTTP/1.1 and h2c. The admin port stays plain.
     */
    public Builder tls(SslContext t) {
      this.tls = t;
      return this;
    }

    /** Binds the listeners and starts the probe. */
    public ProxyServer start() throws InterruptedException {
      return new ProxyServer(this);
    }
  }
}
