package ai.aim.proxy.engine;

import ai.aim.proxy.admission.AdmissionController;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the model server's saturation gauges (Prometheus text) every {@link
 * ScrapeConfig#scrapeIntervalMillis()} and hands them to {@link
 * AdmissionController#updateEngineSignal} (a ring event: the admission thread alone applies them)
 * for each served model. A scrape that fails (connection, status, timeout, a gauge missing) sends
 * nothing for the models it could not read: the core treats a signal older than {@code
 * staleAfterMs} as saturated, so a silent model server restricts LOW and MEDIUM rather than
 * letting them through blind.
 *
 * <p>All work runs on one daemon thread, {@code aim-engine-scraper}, never on a request path.
 * {@link #close()} is idempotent and may be called from any thread.
 */
public final class EngineScraper implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EngineScraper.class);

  /** The longest a scrape may take before it counts as failed. */
  static final Duration MAX_TIMEOUT = Duration.ofSeconds(1);

  private final ScrapeConfig config;
  private final List<String> models;
  private final AdmissionController controller;
  private final LongSupplier nanoClock;
  private final ScrapeStats stats;
  private final HttpClient client;
  private final HttpRequest request;
  private final ScheduledExecutorService thread;
  private volatile boolean failing;

  private EngineScraper(ScrapeConfig config, List<String> models, AdmissionController controller,
      LongSupplier nanoClock, ScrapeStats stats) {
    this.config = config;
    this.models = List.copyOf(models);
    this.controller = controller;
    this.nanoClock = nanoClock;
    this.stats = stats;
    // A scrape slower than a few intervals is as good as none: the reading would be old.
    Duration timeout = Duration.ofMillis(
        Math.min(MAX_TIMEOUT.toMillis(), Math.max(50, config.scrapeIntervalMillis() * 5)));
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(timeout)
        .build();
    this.request = HttpRequest.newBuilder(config.metricsUrl()).timeout(timeout).GET().build();
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "aim-engine-scraper");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts scraping at once.
   *
   * @param models the models this sidecar serves (matched against the model label)
   * @param nanoClock the controller's clock (the sample time)
   * @param stats where scrape results are counted
   */
  public static EngineScraper start(ScrapeConfig config, List<String> models,
      AdmissionController controller, LongSupplier nanoClock, ScrapeStats stats) {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(nanoClock, "nanoClock");
    Objects.requireNonNull(stats, "stats");
    EngineScraper s = new EngineScraper(config, models, controller, nanoClock, stats);
    s.thread.scheduleWithFixedDelay(
        s::scrapeOnce, 0, config.scrapeIntervalMillis(), TimeUnit.MILLISECONDS);
    return s;
  }

  /** The settings this scraper runs with. */
  public ScrapeConfig config() {
    return config;
  }

  /** The models signals are sent for. */
  public List<String> models() {
    return models;
  }

  private void scrapeOnce() {
    String body;
    try {
      HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        failed("status " + r.statusCode());
        return;
      }
      body = r.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      failed(String.valueOf(e));
      return;
    }
    long at = nanoClock.getAsLong();
    int sent = apply(body, at);
    if (sent == 0) {
      failed("no " + config.waitingMetric() + " / " + config.kvUsageMetric() + " for " + models);
      return;
    }
    stats.success();
    if (failing) {
      failing = false;
      log.info("engine metrics at {} readable again", config.metricsUrl());
    }
  }

  /** Sends one signal per model whose configured gauges were found; returns how many were sent. */
  int apply(String body, long sampledAtNanos) {
    int sent = 0;
    for (String model : models) {
      OptionalDouble waiting = read(body, config.waitingMetric(), model);
      OptionalDouble kv = read(body, config.kvUsageMetric(), model);
      if (waiting.isEmpty() || kv.isEmpty()) {
        continue;
      }
      int w = (int) Math.min(Integer.MAX_VALUE, Math.max(0, Math.round(waiting.getAsDouble())));
      double k = Math.min(1.0, Math.max(0.0, kv.getAsDouble()));
      controller.updateEngineSignal(model, w, k, sampledAtNanos);
      sent++;
    }
    return sent;
  }

  /** A gauge's value for one model; an unconfigured gauge ({@code ""}) reads as 0. */
  private OptionalDouble read(String body, String metric, String model) {
    if (metric.isEmpty()) {
      return OptionalDouble.of(0);
    }
    return PrometheusText.sum(body, metric, config.modelLabel(), model);
  }

  private void failed(String why) {
    stats.failure();
    if (!failing) {
      failing = true;
      log.warn("engine metrics at {} unreadable ({}); signals go stale", config.metricsUrl(), why);
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
