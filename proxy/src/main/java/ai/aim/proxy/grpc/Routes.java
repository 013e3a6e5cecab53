package ai.aim.proxy.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@link Route} per worker event loop. Immutable after construction; {@link #current()} is
 * called on a worker loop and returns that loop's route.
 */
final class Routes {

  private final Route[] routes;

  Routes(
      EventLoopGroup workers,
      Class<? extends Channel> channelType,
      String host,
      int port,
      int maxInboundMessageSize,
      int flowControlWindow) {
    List<Route> list = new ArrayList<>();
    String target = host + ":" + port;
    for (EventExecutor executor : workers) {
      EventLoop loop = (EventLoop) executor;
      ManagedChannel channel =
          NettyChannelBuilder.forAddress(host, port)
              .eventLoopGroup(loop) // the connection lives on this loop, like the calls it serves
              .channelType(channelType)
              .usePlaintext()
              .directExecutor()
              .disableRetry() // no replay buffer: messages are passed on as live streams
              .maxInboundMessageSize(maxInboundMessageSize)
              .flowControlWindow(flowControlWindow) // fixed: no window-tuning pings
              .build();
      list.add(new Route(loop, channel, target));
    }
    if (list.isEmpty()) {
      throw new IllegalArgumentException("workerEventLoopGroup: no event loops (expected: >= 1)");
    }
    this.routes = list.toArray(new Route[0]);
  }

  /** The route of the event loop the caller runs on. */
  Route current() {
    for (Route r : routes) {
      if (r.loop.inEventLoop()) {
        return r;
      }
    }
    throw new IllegalStateException(
        "not on a worker event loop of the gRPC proxy: " + Thread.currentThread().getName());
  }

  /** Starts an orderly shutdown of every channel; running calls finish. */
  void shutdown() {
    for (Route r : routes) {
      r.channel.shutdown();
    }
  }

  /** Waits for the channels to terminate, then forces the rest. */
  boolean awaitTermination(long deadlineNanos) throws InterruptedException {
    boolean clean = true;
    for (Route r : routes) {
      long left = Math.max(0, deadlineNanos - System.nanoTime());
      if (!r.channel.awaitTermination(left, TimeUnit.NANOSECONDS)) {
        r.channel.shutdownNow();
        clean = false;
      }
    }
    return clean;
  }
}
