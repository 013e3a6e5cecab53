package ai.aim.proxy.grpc;

import io.grpc.ManagedChannel;
import io.netty.channel.EventLoop;

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
  private long lastBackoffReset = Long.MIN_VALUE / 2;

  Route(EventLoop loop, ManagedChannel channel, String target) {
    this.loop = loop;
    this.channel = channel;
    this.target = target;
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
