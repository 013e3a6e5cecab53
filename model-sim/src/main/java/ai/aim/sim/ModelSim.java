package ai.aim.sim;

import ai.aim.sim.engine.Simulator;
import ai.aim.sim.grpc.InferenceService;
import ai.aim.sim.http.HttpInitializer;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A running simulated model server: the REST listener (HTTP/1.1 and h2c) and the gRPC listener
 * over one simulated accelerator. Start one per test with port 0 and read the ports back:
 *
 * <pre>{@code
 * try (ModelSim sim = ModelSim.start(SimConfig.builder().httpPort(0).grpcPort(0).slots(2).build())) {
 *   URI infer = URI.create(sim.httpBaseUrl() + "/v2/models/demo/infer");
 *   ...
 *   assertThat(sim.stats().maxConcurrentObserved()).isEqualTo(2);
 * }
 * }</pre>
 *
 * <p>Thread safety: all methods may be called from any thread. Uses native epoll when the
 * platform has it, NIO otherwise; the gRPC server shares the same event loops.
 */
public final class ModelSim implements AutoCloseable {
  private final Simulator sim;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final Channel httpChannel;
  private final Server grpcServer;
  private final int httpPort;
  private final int grpcPort;

  private ModelSim(SimConfig config) {
    this.sim = new Simulator(config);
    boolean epoll = Epoll.isAvailable();
    Class<? extends ServerChannel> channelType =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    this.boss = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
    this.workers = epoll ? new EpollEventLoopGroup(config.eventLoops()) : new NioEventLoopGroup(config.eventLoops());
    Channel http = null;
    Server grpc = null;
    try {
      http = new ServerBootstrap()
          .group(boss, workers)
          .channel(channelType)
          .childHandler(new HttpInitializer(sim))
          .bind(config.host(), config.httpPort())
          .syncUninterruptibly()
          .channel();
      if (config.grpcPort() >= 0) {
        grpc = NettyServerBuilder.forAddress(new InetSocketAddress(config.host(), config.grpcPort()))
            .channelType(channelType)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers)
            .directExecutor() // handlers never block: the work is scheduled on the event loops
            .addService(new InferenceService(sim, workers))
            .build()
            .start();
      }
    } catch (IOException e) {
      cleanup(http);
      throw new UncheckedIOException("gRPC port " + config.grpcPort() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      cleanup(http);
      throw e;
    }
    this.httpChannel = http;
    this.grpcServer = grpc;
    this.httpPort = ((InetSocketAddress) http.localAddress()).getPort();
    this.grpcPort = grpc == null ? -1 : grpc.getPort();
  }

  /**
   * Binds both listeners and returns the running server. Port 0 picks free ports (read them with
   * {@link #httpPort()} and {@link #grpcPort()}).
   *
   * @throws UncheckedIOException or a Netty bind exception if a port cannot be bound
   */
  public static ModelSim start(SimConfig config) {
    return new ModelSim(config);
  }

  /** The bound REST port. */
  public int httpPort() {
    return httpPort;
  }

  /** The bound gRPC port, or -1 if gRPC is disabled. */
  public int grpcPort() {
    return grpcPort;
  }

  /** {@code http://host:port} of the REST listener (loopback when bound to a wildcard address). */
  public String httpBaseUrl() {
    return "http://" + clientHost() + ":" + httpPort;
  }

  /** Host name clients should use: the bind host, or loopback for a wildcard bind. */
  public String clientHost() {
    String h = sim.config().host();
    try {
      if (InetAddress.getByName(h).isAnyLocalAddress()) {
        return "127.0.0.1";
      }
    } catch (IOException e) {
      return h;
    }
    return h.contains(":") ? "[" + h + "]" : h;
  }

  /** The configuration this server runs with. */
  public SimConfig config() {
    return sim.config();
  }

  /** A snapshot of counters and gauges (the same as {@code GET /sim/stats}). */
  public SimStats stats() {
    return sim.stats();
  }

  /** The Prometheus exposition served on {@code GET /metrics}. */
  public String metricsText() {
    return sim.prometheusText();
  }

  /** Server and model readiness (REST health and gRPC ServerReady/ModelReady). */
  public boolean ready() {
    return sim.ready();
  }

  /** Toggles readiness, as {@code POST /sim/ready?value=...} does. */
  public void setReady(boolean ready) {
    sim.setReady(ready);
  }

  /** Stops both listeners and the event loops; waits up to a few seconds. Idempotent. */
  @Override
  public void close() {
    if (grpcServer != null) {
      grpcServer.shutdownNow();
      try {
        grpcServer.awaitTermination(3, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    httpChannel.close().syncUninterruptibly();
    shutdownGroups();
  }

  private void cleanup(Channel http) {
    if (http != null) {
      http.close().syncUninterruptibly();
    }
    shutdownGroups();
  }

  private void shutdownGroups() {
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
