package ai.aim.proxy.engine;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts of engine-gauge scrapes by result, kept across scraper restarts (a reload replaces the
 * scraper, not the counts). Written by the scraper thread, read by any thread.
 */
public final class ScrapeStats {
  private final AtomicLong succeeded = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  /** Scrapes that gave a reading for at least one model. */
  public long succeeded() {
    return succeeded.get();
  }

  /** Scrapes that failed (connection, status, timeout, no gauge for any model). */
  public long failed() {
    return failed.get();
  }

  void success() {
    succeeded.incrementAndGet();
  }

  void failure() {
    failed.incrementAndGet();
  }
}
