package ai.aim.proxy.metrics;

/**
 * The GPU memory a model uses, read at scrape time for {@code aim_model_memory_bytes}. Called from
 * the scraping thread; must be thread-safe and cheap.
 */
@FunctionalInterface
public interface ModelMemory {

  /** Bytes used by the model, or a negative number when not known (exposed as NaN). */
  long bytes(String model);
}
