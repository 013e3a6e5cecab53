package ai.aim.scheduler.forecast;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * One {@link ArrivalForecaster} per model key (e.g. {@code namespace/model}), created on first
 * sample. Thread-safe: the map is concurrent and each forecaster serialises its own calls.
 */
public final class ForecastRegistry {

  private final ForecastConfig config;
  private final ConcurrentMap<String, ArrivalForecaster> forecasters = new ConcurrentHashMap<>();

  public ForecastRegistry(ForecastConfig config) {
    this.config = config;
  }

  public ForecastConfig config() {
    return config;
  }

  /** Adds a live arrival-rate sample for {@code key}. */
  public void sample(String key, long epochSecond, double rate) {
    forecasters.computeIfAbsent(key, k -> new ArrivalForecaster(config)).sample(epochSecond, rate);
  }

  /** The (cached) forecast for {@code key}; empty for an unknown key or before its first step. */
  public Optional<Forecast> forecast(String key, long nowEpochSecond) {
    ArrivalForecaster f = forecasters.get(key);
    return f == null ? Optional.empty() : f.forecast(nowEpochSecond);
  }

  /** Forgets {@code key} (its model was deleted). */
  public void remove(String key) {
    forecasters.remove(key);
  }

  /** Number of models tracked. */
  public int size() {
    return forecasters.size();
  }
}
