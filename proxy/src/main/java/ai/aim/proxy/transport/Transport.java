package ai.aim.proxy.transport;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The sidecar's Netty event loops and the matching channel classes, shared by every listener
 * (HTTP, gRPC, admin) and every upstream connection, so that a request and its upstream
 * connection live on the same event loop and never cross threads.
 *
 * <p>Native epoll is used when {@link Epoll#isAvailable()}, NIO otherwise. One {@link
 * #bossGroup()} thread accepts connections; {@link #workerGroup()} threads own the accepted and
 * the upstream channels.
 *
 * <p>Thread-safe and immutable after {@link #create}; {@link #close()} shuts both groups down and
 * waits for them.
 */
public final class Transport implements AutoCloseable {

  private final boolean epoll;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;

  private Transport(boolean epoll, EventLoopGroup boss, EventLoopGroup workers) {
    this.epoll = epoll;
    this.boss = boss;
    this.workers = workers;
  }

  /**
   * Creates the event loops, preferring native epoll.
   *
   * @param eventLoops worker threads; {@code 0} means Netty's default (twice the cores)
   */
  public static Transport create(int eventLoops) {
    return create(eventLoops, true);
  }

  /**
   * Creates the event loops.
   *
   * @param eventLoops worker threads; {@code 0} means Netty's default (twice the cores)
   * @param preferNative use epoll when it is available; {@code false} forces NIO
   */
  public static Transport create(int eventLoops, boolean preferNative) {
    if (eventLoops < 0) {
      throw new IllegalArgumentException("eventLoops: " + eventLoops + " (expected: >= 0)");
    }
    boolean useEpoll = preferNative && Epoll.isAvailable();
    DefaultThreadFactory bossThreads = new DefaultThreadFactory("aim-accept", true);
    DefaultThreadFactory workerThreads = new DefaultThreadFactory("aim-loop", true);
    if (useEpoll) {
      return new Transport(
          true,
          new EpollEventLoopGroup(1, bossThreads),
          new EpollEventLoopGroup(eventLoops, workerThreads));
    }
    return new Transport(
        false,
        new NioEventLoopGroup(1, bossThreads),
        new NioEventLoopGroup(eventLoops, workerThreads));
  }

  /** True when the native epoll transport is in use. */
  public boolean isNative() {
    return epoll;
  }

  /** {@code "epoll"} or {@code "nio"}, for logs. */
  public String name() {
    return epoll ? "epoll" : "nio";
  }

  /** The single-thread group that accepts connections for every listener. */
  public EventLoopGroup bossGroup() {
    return boss;
  }

  /** The group whose loops own client and upstream channels. */
  public EventLoopGroup workerGroup() {
    return workers;
  }

  /** The server channel class matching the groups (for {@code ServerBootstrap.channel}). */
  public Class<? extends ServerChannel> serverChannelClass() {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /** The client socket channel class matching the groups (for {@code Bootstrap.channel}). */
  public Class<? extends SocketChannel> socketChannelClass() {
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  /**
   * Shuts both groups down, letting tasks already queued run, and waits up to {@code timeout}.
   */
  public void shutdown(Duration timeout) {
    long quietMs = Math.min(100, timeout.toMillis());
    boss.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS);
    workers.shutdownGracefully(quietMs, timeout.toMillis(), TimeUnit.MILLISECONDS);
    boss.terminationFuture().awaitUninterruptibly(timeout.toMillis(), TimeUnit.MILLISECONDS);
    workers.terminationFuture().awaitUninterruptibly(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    shutdown(Duration.ofSeconds(5));
  }
}
