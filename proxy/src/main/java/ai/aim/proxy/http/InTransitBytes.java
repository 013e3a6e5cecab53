package ai.aim.proxy.http;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Body bytes the sidecar has received from one side and not yet handed to the socket of the
 * other: what streaming with back-pressure keeps small. The high-water mark shows the most the
 * sidecar ever held at once (a 64 MiB tensor must pass while this stays at a few hundred KiB).
 *
 * <p>Updated from every event loop; thread-safe.
 */
public final class InTransitBytes {

  private final AtomicLong current = new AtomicLong();
  private final AtomicLong highWater = new AtomicLong();

  void add(long n) {
    long now = current.addAndGet(n);
    long max;
    while (now > (max = highWater.get())) {
      if (highWater.compareAndSet(max, now)) {
        break;
      }
    }
  }

  void remove(long n) {
    current.addAndGet(-n);
  }

  /** Bytes held right now. */
  public long current() {
    return current.get();
  }

  /** The most bytes held at once since start (or the last {@link #resetHighWater()}). */
  public long highWater() {
    return highWater.get();
  }

  /** Starts a new high-water measurement from the current value. */
  public void resetHighWater() {
    highWater.set(current.get());
  }
}
