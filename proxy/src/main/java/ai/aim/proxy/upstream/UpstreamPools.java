package ai.aim.proxy.upstream;

import ai.aim.proxy.config.UpstreamConfig;
import ai.aim.proxy.config.UpstreamProtocol;
import ai.aim.proxy.transport.Transport;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * One {@link UpstreamPool} per worker event loop, so an exchange always gets its upstream channel
 * from its own loop. The map is built once and never changes, so it may be read from any thread;
 * each pool is confined to its loop.
 */
public final class UpstreamPools {

  private final Map<EventExecutor, UpstreamPool> pools = new IdentityHashMap<>();

  /** Creates a pool for every loop of {@code transport}'s worker group. */
  public UpstreamPools(Transport transport, UpstreamConfig config) {
    for (EventExecutor e : transport.workerGroup()) {
      EventLoop loop = (EventLoop) e;
      UpstreamPool pool =
          config.protocol() == UpstreamProtocol.H2C
              ? new H2cPool(loop, transport.socketChannelClass(), config)
              : new Http1Pool(loop, transport.socketChannelClass(), config);
      pools.put(loop, pool);
    }
  }

  /** The pool of {@code loop}; call it only from that loop. */
  public UpstreamPool forLoop(EventExecutor loop) {
    UpstreamPool p = pools.get(loop);
    if (p == null) {
      throw new IllegalStateException("no upstream pool for " + loop + " (not a worker loop)");
    }
    return p;
  }

  /** Closes every pool's idle channels, each on its own loop. */
  public void close() {
    pools.forEach((loop, pool) -> {
      if (!loop.isShuttingDown()) {
        loop.execute(pool::close);
      }
    });
  }
}
