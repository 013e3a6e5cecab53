package ai.aim.bench.slo;

import ai.aim.proxy.metrics.AdmissionGauges;
import ai.aim.proxy.metrics.ModelMemory;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.metrics.RequestObserver;
import ai.aim.proxy.metrics.ShedReason;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.slo.ModelIndex;
import ai.aim.proxy.slo.Sli;
import ai.aim.proxy.slo.SloTracker;
import ai.aim.proxy.slo.Window;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The baseline for the recording and scrape benchmarks: {@code AimMetrics} as it was when every
 * request family was a Micrometer meter (timers with SLO buckets, function counters, gauges per
 * SLO series). Same names, labels and buckets as the sidecar's exposition; kept here so before
 * and after are measured in the same run. Safe on any thread.
 */
public final class MicrometerAimMetrics implements RequestObserver {

  /**
   * Latency histogram buckets (upper bounds), chosen for inference: from 1 ms (a refusal, a cached
   * answer) to 120 s (a long generation).
   */
  public static final Duration[] LATENCY_BUCKETS = {
    Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10),
    Duration.ofMillis(20), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(200),
    Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5),
    Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(60),
    Duration.ofSeconds(120)
  };

  private static final int PRIORITIES = Priority.values().length;
  private static final int OUTCOMES = Outcome.values().length;

  private final PrometheusMeterRegistry registry;
  private final ModelIndex models;
  private final RequestObserver slo;
  /**
   * Latency timers by (model, priority, outcome). OK's are created up front; the others on the
   * first request with that outcome (a one-time registration per combination), which keeps the
   * histograms of outcomes that never happen out of every scrape: 17 buckets times 8 outcomes
   * times models times priorities would dominate the exposition.
   */
  private final AtomicReferenceArray<Timer> latency;
  private final Timer[] queueWait;
  private final Counter[] upstreamErrors;

  /**
   * Registers every meter.
   *
   * @param registry where the meters live; its {@code scrape()} is the {@code /metrics} body
   * @param models models the sidecar serves; anything else is counted as {@code unknown}. When a
   *     tracker is given, its models are used and this may be empty.
   * @param admission admission state read at scrape time ({@link AdmissionGauges#NONE} if none yet)
   * @param memory per-model GPU memory, or {@code null} to leave {@code aim_model_memory_bytes} out
   * @param tracker the SLO tracker to feed and to export, or {@code null}
   */
  public MicrometerAimMetrics(
      PrometheusMeterRegistry registry,
      java.util.Collection<String> models,
      AdmissionGauges admission,
      ModelMemory memory,
      SloTracker tracker) {
    this.registry = registry;
    this.models = tracker != null ? tracker.models() : new ModelIndex(models);
    this.slo = tracker != null ? tracker : RequestObserver.NOOP;
    int n = this.models.size();
    this.latency = new AtomicReferenceArray<>(n * PRIORITIES * OUTCOMES);
    // Per priority only: the admission queues are per priority, and a model label would add a
    // 20-line histogram per model and priority to every scrape.
    this.queueWait = new Timer[PRIORITIES];
    for (Priority p : Priority.values()) {
      queueWait[p.ordinal()] =
          Timer.builder("aim.admission.queue.wait")
              .description("Time requests waited in the admission queue before dispatch")
              .tag("priority", p.label())
              .serviceLevelObjectives(LATENCY_BUCKETS)
              .publishPercentileHistogram(false)
              .register(registry);
    }
    this.upstreamErrors = new Counter[n * 2];
    for (int m = 0; m < n; m++) {
      String model = this.models.name(m);
      for (Priority p : Priority.values()) {
        for (Outcome o : Outcome.values()) {
          int i = (m * PRIORITIES + p.ordinal()) * OUTCOMES + o.ordinal();
          if (o == Outcome.OK) {
            // The outcome nearly every request has: its histogram exists from the start.
            latency.set(i, latencyTimer(model, p, o));
          }
          // Every counter exists from the start (zero until used), so rate() works at once.
          FunctionCounter.builder("aim.model.requests", this, metrics -> metrics.count(i))
              .description("Finished requests")
              .tags("model", model, "priority", p.label(), "outcome", o.label())
              .register(registry);
        }
      }
      upstreamErrors[m * 2] =
          Counter.builder("aim.upstream.errors")
              .description("Requests the model server failed: an error status, or unreachable")
              .tags("model", model, "kind", "status")
              .register(registry);
      upstreamErrors[m * 2 + 1] =
          Counter.builder("aim.upstream.errors")
              .description("Requests the model server failed: an error status, or unreachable")
              .tags("model", model, "kind", "unreachable")
              .register(registry);
      if (memory != null) {
        Gauge.builder("aim.model.memory", memory, mm -> bytesOrNaN(mm.bytes(model)))
            .description("GPU memory used by the model")
            .baseUnit("bytes")
            .tag("model", model)
            .strongReference(true)
            .register(registry);
      }
    }
    registerAdmission(registry, admission);
    if (tracker != null) {
      registerSlo(registry, tracker);
    }
  }

  private Timer latencyTimer(String model, Priority p, Outcome o) {
    return Timer.builder("aim.model.request.latency")
        .description("Time from arrival to the last byte of the answer (or the refusal)")
        .tags("model", model, "priority", p.label(), "outcome", o.label())
        .serviceLevelObjectives(LATENCY_BUCKETS)
        .publishPercentileHistogram(false)
        .register(registry);
  }

  /** First request of a combination: registers its timer (the registry dedupes racing threads). */
  private Timer createLatency(int i) {
    int o = i % OUTCOMES;
    int mp = i / OUTCOMES;
    Timer t =
        latencyTimer(models.name(mp / PRIORITIES), Priority.ofOrdinal(mp % PRIORITIES), Outcome.values()[o]);
    latency.compareAndSet(i, null, t);
    return t;
  }

  private double count(int i) {
    Timer t = latency.get(i);
    return t == null ? 0 : t.count();
  }

  /** A Prometheus registry with the default configuration. */
  public static PrometheusMeterRegistry newRegistry() {
    return new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  /** The registry (for the admin port: {@code registry().scrape()}). */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter: the {@code GET /metrics} body. */
  public String scrape() {
    return registry.scrape();
  }

  private static double bytesOrNaN(long bytes) {
    return bytes < 0 ? Double.NaN : bytes;
  }

  private static void registerAdmission(PrometheusMeterRegistry registry, AdmissionGauges a) {
    for (Priority p : Priority.values()) {
      Gauge.builder("aim.scheduler.queue.depth", a, g -> g.queueDepth(p))
          .description("Requests waiting in the admission queue of a priority")
          .tag("priority", p.label())
          .strongReference(true)
          .register(registry);
      FunctionCounter.builder("aim.admission.admitted", a, g -> g.admitted(p))
          .description("Requests admitted (dispatched to the model server)")
          .tag("priority", p.label())
          .register(registry);
      for (ShedReason r : ShedReason.values()) {
        FunctionCounter.builder("aim.admission.shed", a, g -> g.shed(p, r))
            .description("Requests refused by admission")
            .tags("priority", p.label(), "reason", r.label())
            .register(registry);
      }
    }
    Gauge.builder("aim.admission.inflight", a, AdmissionGauges::inFlight)
        .description("Requests dispatched to the model server and not finished")
        .strongReference(true)
        .register(registry);
    Gauge.builder("aim.admission.limit", a, AdmissionGauges::limit)
        .description("Concurrency limit towards the model server")
        .strongReference(true)
        .register(registry);
  }

  private static void registerSlo(PrometheusMeterRegistry registry, SloTracker t) {
    ModelIndex models = t.models();
    for (int m = 0; m < models.size(); m++) {
      int mi = m;
      String model = models.name(m);
      for (Priority p : Priority.values()) {
        for (Sli sli : Sli.values()) {
          double objective =
              sli == Sli.LATENCY
                  ? t.config().objective(model, p).latencyTarget()
                  : t.config().objective(model, p).availability();
          Gauge.builder("aim.slo.objective", () -> objective)
              .description("The SLO's objective as a ratio of good requests")
              .tags("model", model, "priority", p.label(), "sli", sli.label())
              .strongReference(true)
              .register(registry);
          for (Window w : Window.values()) {
            Gauge.builder("aim.slo.compliance", t, tr -> tr.compliance(mi, p, w, sli))
                .description("Share of good requests over the window (1 when empty)")
                .tags("model", model, "priority", p.label(), "sli", sli.label(), "window", w.label())
                .strongReference(true)
                .register(registry);
            Gauge.builder("aim.slo.burn.rate", t, tr -> tr.burnRate(mi, p, w, sli))
                .description("Error-budget burn rate over the window: error ratio / (1 - objective)")
                .tags("model", model, "priority", p.label(), "sli", sli.label(), "window", w.label())
                .strongReference(true)
                .register(registry);
          }
        }
      }
    }
  }

  @Override
  public void onComplete(
      String model,
      Priority priority,
      Outcome outcome,
      long queueNanos,
      long upstreamNanos,
      long ttfbNanos,
      long totalNanos) {
    int m = models.indexOf(model);
    int mp = m * PRIORITIES + priority.ordinal();
    int i = mp * OUTCOMES + outcome.ordinal();
    Timer timer = latency.get(i);
    if (timer == null) {
      timer = createLatency(i);
    }
    // Also counts the request (aim_model_requests_total reads the timer's count).
    timer.record(Math.max(0, totalNanos), TimeUnit.NANOSECONDS);
    if (queueNanos >= 0) {
      queueWait[priority.ordinal()].record(queueNanos, TimeUnit.NANOSECONDS);
    }
    if (outcome == Outcome.UPSTREAM_ERROR) {
      upstreamErrors[m * 2].increment();
    } else if (outcome == Outcome.UNAVAILABLE) {
      upstreamErrors[m * 2 + 1].increment();
    }
    slo.onComplete(model, priority, outcome, queueNanos, upstreamNanos, ttfbNanos, totalNanos);
  }
}
