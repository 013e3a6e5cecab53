package ai.aim.proxy.upstream;

import io.netty.channel.Channel;

/**
 * Upstream channels for the exchanges of one event loop: keep-alive HTTP/1.1 connections, or
 * streams of a shared h2c connection. Every channel it hands out lives on that same event loop.
 *
 * <p>Confined to its event loop: call it only from there (asserted). No locks.
 */
public interface UpstreamPool {

  /**
   * Leases a channel and attaches {@code listener} to it; {@code callback} runs on the event loop
   * (possibly before this returns).
   *
   * @param fresh {@code true} to skip idle connections (a retry after a stale one)
   */
  void acquire(UpstreamListener listener, boolean fresh, AcquireCallback callback);

  /**
   * Returns a leased channel.
   *
   * @param reusable {@code true} when the exchange on it ended cleanly (request fully sent,
   *     response fully read, keep-alive); otherwise the channel is closed, which cancels whatever
   *     the model server was still doing for it
   */
  void release(Channel channel, boolean reusable);

  /** Closes idle channels; leased ones close when released. */
  void close();

  /** Told the outcome of {@link #acquire}. */
  interface AcquireCallback {

    /** @param reused {@code true} when the channel already served an earlier request */
    void onAcquired(Channel channel, boolean reused);

    void onFailed(Throwable cause);
  }
}
