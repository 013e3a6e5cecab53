package ai.aim.proxy.upstream;

import ai.aim.proxy.config.UpstreamConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * One HTTP/2 cleartext (prior knowledge) connection to the model server per event loop; each
 * exchange gets its own stream, a child channel speaking {@code HttpObject}s like an HTTP/1.1
 * connection. Releasing a stream that did not end cleanly resets it (RST_STREAM), which cancels
 * the request at the model server. A GOAWAY or a close makes the next exchange open a new
 * connection.
 *
 * <p>Confined to {@link #loop}; every method asserts it.
 */
final class H2cPool implements UpstreamPool {

  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final UpstreamConfig config;
  private Channel connection;
  private boolean connecting;
  private final List<Waiter> waiters = new ArrayList<>();
  private boolean closed;

  private record Waiter(UpstreamListener listener, AcquireCallback callback) {}

  H2cPool(EventLoop loop, Class<? extends SocketChannel> channelClass, UpstreamConfig config) {
    this.loop = loop;
    this.config = config;
    this.bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(channelClass)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.connectTimeout().toMillis())
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(Http2FrameCodecBuilder.forClient().build())
                        .addLast(new Http2MultiplexHandler(new RefuseInbound()))
                        .addLast(new GoAwayWatcher());
                  }
                });
  }

  @Override
  public void acquire(UpstreamListener listener, boolean fresh, AcquireCallback callback) {
    assert loop.inEventLoop();
    if (fresh && connection != null) {
      connection = null;
    }
    if (connection != null && connection.isActive()) {
      openStream(connection, listener, callback, true);
      return;
    }
    waiters.add(new Waiter(listener, callback));
    if (connecting) {
      return;
    }
    connecting = true;
    bootstrap
        .connect(config.host(), config.port())
        .addListener(
            f -> {
              connecting = false;
              List<Waiter> ready = new ArrayList<>(waiters);
              waiters.clear();
              if (f.isSuccess()) {
                Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                connection = ch;
                ch.closeFuture().addListener(c -> {
                  if (connection == ch) {
                    connection = null;
                  }
                });
                // The connect listener runs before channelActive, which is when the codec writes
                // the connection preface; streams must start after it, so open them in a task.
                loop.execute(() -> {
                  for (Waiter w : ready) {
                    openStream(ch, w.listener(), w.callback(), false);
                  }
                });
              } else {
                for (Waiter w : ready) {
                  w.callback().onFailed(f.cause());
                }
              }
            });
  }

  private void openStream(
      Channel parent, UpstreamListener listener, AcquireCallback callback, boolean reused) {
    new Http2StreamChannelBootstrap(parent)
        .option(ChannelOption.AUTO_READ, false)
        .handler(
            new ChannelInitializer<Http2StreamChannel>() {
              @Override
              protected void initChannel(Http2StreamChannel ch) {
                ch.pipeline()
                    .addLast(new Http2StreamFrameToHttpObjectCodec(false))
                    .addLast(new FlowControlHandler())
                    .addLast(new UpstreamHandler(() -> {}));
              }
            })
        .open()
        .addListener(
            f -> {
              if (f.isSuccess()) {
                Http2StreamChannel stream = (Http2StreamChannel) f.getNow();
                UpstreamHandler.of(stream).attach(listener);
                callback.onAcquired(stream, reused);
              } else {
                callback.onFailed(f.cause());
              }
            });
  }

  @Override
  public void release(Channel stream, boolean reusable) {
    assert loop.inEventLoop();
    UpstreamHandler h = UpstreamHandler.of(stream);
    if (h != null) {
      h.detach();
    }
    // A stream serves one exchange. Closing one that ended cleanly sends nothing; closing one
    // that did not resets it, which is the cancellation the model server should see.
    stream.close();
  }

  @Override
  public void close() {
    assert loop.inEventLoop();
    closed = true;
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }

  boolean isClosed() {
    return closed;
  }

  /** The model server does not push; any stream it opens is refused. */
  private static final class RefuseInbound extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }

    @Override
    public boolean isSharable() {
      return true;
    }
  }

  /** After a GOAWAY no new stream may start on the connection: the next exchange opens another. */
  private final class GoAwayWatcher extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Http2GoAwayFrame) {
        if (connection == ctx.channel()) {
          connection = null;
        }
        // Graceful: the codec waits for the streams still open before it closes the socket.
        ctx.close();
      }
      ReferenceCountUtil.release(msg);
    }
  }
}
