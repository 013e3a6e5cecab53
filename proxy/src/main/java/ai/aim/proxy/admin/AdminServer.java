package ai.aim.proxy.admin;

import ai.aim.proxy.transport.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The admin listener: a separate port for probes and scrapes, on the shared event loops, with
 * routes run on one admin thread. Small bodies only (admin requests are aggregated, up to 64 KiB).
 *
 * <p>Thread-safe; {@link #close()} stops the listener and the admin thread.
 */
public final class AdminServer implements AutoCloseable {

  private final Channel channel;
  private final ExecutorService executor;

  private AdminServer(Channel channel, ExecutorService executor) {
    this.channel = channel;
    this.executor = executor;
  }

  /** Binds {@code bind:port} and serves {@code routes}. */
  public static AdminServer start(Transport transport, String bind, int port, AdminRoutes routes)
      throws InterruptedException {
    ExecutorService executor =
        Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, "aim-admin");
          t.setDaemon(true);
          return t;
        });
    ServerBootstrap b =
        new ServerBootstrap()
            .group(transport.bossGroup(), transport.workerGroup())
            .channel(transport.serverChannelClass())
            .childOption(ChannelOption.AUTO_READ, false)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new ReadTimeoutHandler(60, TimeUnit.SECONDS))
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(64 * 1024))
                        .addLast(new AdminHandler(routes, executor));
                  }
                });
    try {
      Channel ch = b.bind(bind, port).sync().channel();
      return new AdminServer(ch, executor);
    } catch (InterruptedException | RuntimeException e) {
      executor.shutdownNow();
      throw e;
    }
  }

  /** The bound port. */
  public int port() {
    return ((InetSocketAddress) channel.localAddress()).getPort();
  }

  @Override
  public void close() {
    channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    executor.shutdown();
  }
}
