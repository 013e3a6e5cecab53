package ai.aim.proxy.grpc;

import io.grpc.ManagedChannel;
import io.netty.channel.EventLoop;
import java.util.concurrent.Executor;

/**
 * One event loop's way to the model server: its own channel, whose HTTP/2 connection lives on
 * that same loop, so a forwarded call runs on one thread end to end with no locks and no task hops
 * between the client-facing and the upstream-facing stream.
 *
 * <p>Owned by {@link #loop}: only that loop touches the backoff bookkeeping.
 */
final class Route {

  /** Least time between two reconnect-backoff resets, so a dead upstream is not hammered. */
  private static final long BACKOFF_RESET_INTERVAL_NANOS = 250_000_000L;

  final EventLoop loop;
  final ManagedChannel channel;
  final String target;

  /**
   * The upstream calls' callback executor: inline when already on the loop (the normal case, as
   * the connection lives there), else handed to the loop (the rare callbacks grpc-java makes from
   * its own threads, e.g. while a connection is being set up), so calls stay confined to the loop.
   */
  final Executor callbacks;
  private long lastBackoffReset = Long.MIN_VALUE / 2;

  Route(EventLoop loop, ManagedChannel channel, String target) {
    this.loop = loop;
    this.channel = channel;
    this.target = target;
    this.callbacks =
        task -> {
          if (loop.inEventLoop()) {
            task.run();
          } else {
            loop.execute(task);
          }
        };
  }

  /**
   * The connection to the model server failed. grpc-java backs off up to two minutes before
   * trying again; for a model server on localhost that restarts in seconds that is far too long,
   * so the proxy resets the backoff (at most every 250 ms) and the next call connects afresh.
   */
  void connectionFailed(long nowNanos) {
    assert loop.inEventLoop();
    if (nowNanos - lastBackoffReset >= BACKOFF_RESET_INTERVAL_NANOS) {
      lastBackoffReset = nowNanos;
      channel.resetConnectBackoff();
    }
  }
}
