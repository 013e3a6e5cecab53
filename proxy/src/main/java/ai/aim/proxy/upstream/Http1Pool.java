package ai.aim.proxy.upstream;

import ai.aim.proxy.config.UpstreamConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.flow.FlowControlHandler;
import java.util.ArrayDeque;

/**
 * Keep-alive HTTP/1.1 connections to the model server for one event loop. A connection serves one
 * request at a time; idle ones wait in a LIFO stack (the most recently used is the least likely to
 * have been closed by the server) with a read pending, so a server-side close removes them at once.
 *
 * <p>Confined to {@link #loop}; every method asserts it.
 */
final class Http1Pool implements UpstreamPool {

  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final UpstreamConfig config;
  private final ArrayDeque<Channel> idle = new ArrayDeque<>();
  private boolean closed;

  Http1Pool(EventLoop loop, Class<? extends SocketChannel> channelClass, UpstreamConfig config) {
    this.loop = loop;
    this.config = config;
    this.bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(channelClass)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new HttpClientCodec(4096, 64 * 1024, 64 * 1024))
                        .addLast(new FlowControlHandler())
                        .addLast(new UpstreamHandler(() -> forget(ch)));
                  }
                });
  }

  @Override
  public void acquire(UpstreamListener listener, boolean fresh, AcquireCallback callback) {
    assert loop.inEventLoop();
    if (!fresh) {
      Channel ch;
      while ((ch = idle.pollLast()) != null) {
        if (ch.isActive()) {
          UpstreamHandler.of(ch).attach(listener);
          callback.onAcquired(ch, true);
          return;
        }
      }
    }
    ChannelFuture f = bootstrap.connect(config.host(), config.port());
    f.addListener(
        done -> {
          if (done.isSuccess()) {
            UpstreamHandler.of(f.channel()).attach(listener);
            callback.onAcquired(f.channel(), false);
          } else {
            callback.onFailed(done.cause());
          }
        });
  }

  @Override
  public void release(Channel ch, boolean reusable) {
    assert loop.inEventLoop();
    UpstreamHandler h = UpstreamHandler.of(ch);
    if (h != null) {
      h.detach();
    }
    if (reusable && !closed && ch.isActive() && idle.size() < config.maxIdlePerLoop()) {
      idle.addLast(ch);
      // A pending read lets an idle connection notice that the server closed it.
      ch.read();
    } else {
      ch.close();
    }
  }

  @Override
  public void close() {
    assert loop.inEventLoop();
    closed = true;
    Channel ch;
    while ((ch = idle.pollLast()) != null) {
      ch.close();
    }
  }

  /** The number of idle connections (tests). */
  int idleCount() {
    assert loop.inEventLoop();
    return idle.size();
  }

  private void forget(Channel ch) {
    idle.remove(ch);
  }
}
