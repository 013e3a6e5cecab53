package ai.aim.proxy.engine;

import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.admission.AdmissionSnapshot;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collection;
import java.util.function.ToDoubleFunction;

/**
 * The engine-signal meters: the last reading of the model server's gauges per model as the
 * admission thread holds it ({@code aim_engine_waiting_requests}, {@code
 * aim_engine_kv_cache_usage}, {@code aim_engine_reading_age_seconds}, {@code aim_engine_stale})
 * and the scrape results ({@code aim_engine_scrapes_total}). Gauges read the controller's
 * published snapshot at scrape time, on the scraping thread; a model whose policy does not use
 * engine signals reads {@code NaN}. Registered once; stateless afterwards.
 */
public final class EngineMeters {

  private EngineMeters() {}

  /** Registers the meters for {@code models} (the sidecar's configured models). */
  public static void register(MeterRegistry registry, Collection<String> models,
      AdmissionController controller, ScrapeStats stats) {
    for (String model : models) {
      gauge(registry, "aim.engine.waiting.requests", null,
          "Requests waiting inside the model server, last reading", model, controller,
          e -> e.hasReading() ? e.waitingRequests() : Double.NaN);
      gauge(registry, "aim.engine.kv.cache.usage", null,
          "KV-cache use of the model server (0..1), last reading", model, controller,
          e -> e.hasReading() ? e.kvCacheUsage() : Double.NaN);
      gauge(registry, "aim.engine.reading.age", "seconds",
          "Age of the last engine reading the admission core holds", model, controller,
          AdmissionSnapshot.Engine::readingAgeSeconds);
      gauge(registry, "aim.engine.stale", null,
          "1 when the engine reading is older than staleAfterMs (counts as saturated), else 0",
          model, controller, e -> e.stale() ? 1 : 0);
    }
    FunctionCounter.builder("aim.engine.scrapes", stats, ScrapeStats::succeeded)
        .description("Scrapes of the model server's gauges, by result")
        .tag("result", "success")
        .register(registry);
    FunctionCounter.builder("aim.engine.scrapes", stats, ScrapeStats::failed)
        .description("Scrapes of the model server's gauges, by result")
        .tag("result", "failure")
        .register(registry);
  }

  private static void gauge(MeterRegistry registry, String name, String unit, String help,
      String model, AdmissionController controller, ToDoubleFunction<AdmissionSnapshot.Engine> f) {
    Gauge.builder(name, controller, c -> {
          AdmissionSnapshot.Model m = c.snapshot().models().get(model);
          if (m == null || !m.engine().enabled()) {
            return Double.NaN;
          }
          return f.applyAsDouble(m.engine());
        })
        .description(help)
        .baseUnit(unit)
        .tag("model", model)
        .strongReference(true)
        .register(registry);
  }
}
