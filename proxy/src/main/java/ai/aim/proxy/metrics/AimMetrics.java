package ai.aim.proxy.metrics;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.slo.ModelIndex;
import ai.aim.proxy.slo.SloTracker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The sidecar's Prometheus metrics, bound to a Micrometer {@link PrometheusMeterRegistry}. Also
 * the sidecar's one {@link RequestObserver}: each finished request updates the meters and, when a
 * tracker is given, the {@link SloTracker}.
 *
 * <p>The request families ({@code aim_model_*}, {@code aim_admission_queue_wait_seconds},
 * {@code aim_upstream_errors_total}, {@code aim_slo_*}) are recorded into histograms created in
 * the constructor for every registered model (plus {@code unknown}), priority and outcome, and
 * indexed by ordinals; each keeps its counters per writer thread ({@link WriterSlots}), so
 * {@link #onComplete} does one model look-up and a few stores into counters only its thread
 * writes: no atomic read-modify-write, no allocation (after a thread's first record), no registry
 * look-up, no clock read. They reach the registry's
 * {@code scrape()} through one Prometheus collector that builds their snapshots at scrape time
 * with label sets built once. The admission gauges are Micrometer meters. Safe on any thread.
 * Names and labels are a contract; see {@code docs/metrics.md}.
 */
public final class AimMetrics implements RequestObserver {

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
  private static final long[] LATENCY_BOUNDS_NANOS = RequestHistogram.boundsNanos(LATENCY_BUCKETS);

  private final PrometheusMeterRegistry registry;
  private final ModelIndex models;
  /** Fed by {@link #onComplete} through its index-based entry, or {@code null}. */
  private final SloTracker tracker;
  /**
   * Latency histograms by (model, priority, outcome), all created up front (a few hundred bytes
   * each). The exposition leaves out the histograms of outcomes other than OK until their first
   * request, which keeps outcomes that never happen out of every scrape: 17 buckets times 8
   * outcomes times models times priorities would dominate it.
   */
  private final RequestHistogram[] latency;
  private final RequestHistogram[] queueWait;
  /** By model: [m * 2] status, [m * 2 + 1] unreachable. */
  private final AtomicLongArray upstreamErrors;

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
  public AimMetrics(
      PrometheusMeterRegistry registry,
      java.util.Collection<String> models,
      AdmissionGauges admission,
      ModelMemory memory,
      SloTracker tracker) {
    this.registry = registry;
    this.models = tracker != null ? tracker.models() : new ModelIndex(models);
    this.tracker = tracker;
    int n = this.models.size();
    this.latency = new RequestHistogram[n * PRIORITIES * OUTCOMES];
    for (int i = 0; i < latency.length; i++) {
      latency[i] = new RequestHistogram(LATENCY_BOUNDS_NANOS);
    }
    // Per priority only: the admission queues are per priority, and a model label would add a
    // 20-line histogram per model and priority to every scrape.
    this.queueWait = new RequestHistogram[PRIORITIES];
    for (int p = 0; p < PRIORITIES; p++) {
      queueWait[p] = new RequestHistogram(LATENCY_BOUNDS_NANOS);
    }
    this.upstreamErrors = new AtomicLongArray(n * 2);
    registerAdmission(registry, admission);
    RequestCollector collector =
        new RequestCollector(
            this.models, latency, queueWait, upstreamErrors, memory, tracker, System::nanoTime);
    if (registry instanceof AimMeterRegistry aim) {
      // Text scrapes write these families straight from the arrays.
      aim.attach(collector);
    } else {
      registry.getPrometheusRegistry().register(collector);
    }
  }

  /**
   * A Prometheus registry with the default configuration whose text scrape writes the families of
   * an {@code AimMetrics} bound to it directly (fast: see {@code docs/benchmarks.md}). Any other
   * {@link PrometheusMeterRegistry} works too, through the Prometheus client's writer.
   */
  public static PrometheusMeterRegistry newRegistry() {
    return new AimMeterRegistry();
  }

  /** The registry (for the admin port: {@code registry().scrape()}). */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition of every meter: the {@code GET /metrics} body. */
  public String scrape() {
    return registry.scrape();
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
    FunctionCounter.builder(
            "aim.admission.high.overcommitted", a, AdmissionGauges::highOvercommitted)
        .description("HIGH requests dispatched beyond the concurrency limit (highOvercommit)")
        .register(registry);
    Gauge.builder("aim.admission.limit", a, AdmissionGauges::limit)
        .description("Concurrency limit towards the model server")
        .strongReference(true)
        .register(registry);
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
    int slot = WriterSlots.current();
    int m = models.indexOf(model);
    int mp = m * PRIORITIES + priority.ordinal();
    int i = mp * OUTCOMES + outcome.ordinal();
    // Also counts the request (aim_model_requests_total is the histogram's count).
    latency[i].record(totalNanos, slot);
    if (queueNanos >= 0) {
      queueWait[priority.ordinal()].record(queueNanos, slot);
    }
    if (outcome == Outcome.UPSTREAM_ERROR) {
      upstreamErrors.getAndIncrement(m * 2);
    } else if (outcome == Outcome.UNAVAILABLE) {
      upstreamErrors.getAndIncrement(m * 2 + 1);
    }
    if (tracker != null) {
      // Same model index: the tracker's models are this object's.
      tracker.record(slot, m, priority, outcome, queueNanos, upstreamNanos, ttfbNanos, totalNanos);
    }
  }
}
