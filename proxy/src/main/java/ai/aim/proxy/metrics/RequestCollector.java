package ai.aim.proxy.metrics;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.slo.ModelIndex;
import ai.aim.proxy.slo.Sli;
import ai.aim.proxy.slo.SloTracker;
import ai.aim.proxy.slo.Window;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Exports the request families that {@link AimMetrics} records into its own arrays: builds their
 * Prometheus snapshots at scrape time, with every label set built once at construction.
 *
 * <p>Threads: {@link #collect} runs on the scraping thread (several scrapes may overlap; the max
 * window rotation is synchronized). It only reads the recording arrays.
 */
final class RequestCollector implements MultiCollector {
  private static final int PRIORITIES = Priority.values().length;
  private static final int OUTCOMES = Outcome.values().length;
  private static final double NANOS_PER_SECOND = 1e9;
  /**
   * The max gauges report the largest value of the current and the previous window, so a maximum
   * stays visible for one to two windows (Micrometer's default expiry was two minutes).
   */
  private static final long MAX_WINDOW_NANOS = 60_000_000_000L;

  private static final MetricMetadata REQUESTS =
      new MetricMetadata("aim_model_requests", "Finished requests");
  private static final MetricMetadata LATENCY =
      new MetricMetadata(
          "aim_model_request_latency_seconds",
          "Time from arrival to the last byte of the answer (or the refusal)");
  private static final MetricMetadata LATENCY_MAX =
      new MetricMetadata(
          "aim_model_request_latency_seconds_max",
          "Time from arrival to the last byte of the answer (or the refusal)");
  private static final MetricMetadata QUEUE_WAIT =
      new MetricMetadata(
          "aim_admission_queue_wait_seconds",
          "Time requests waited in the admission queue before dispatch");
  private static final MetricMetadata QUEUE_WAIT_MAX =
      new MetricMetadata(
          "aim_admission_queue_wait_seconds_max",
          "Time requests waited in the admission queue before dispatch");
  private static final MetricMetadata UPSTREAM_ERRORS =
      new MetricMetadata(
          "aim_upstream_errors",
          "Requests the model server failed: an error status, or unreachable");
  private static final MetricMetadata MEMORY =
      new MetricMetadata("aim_model_memory_bytes", "GPU memory used by the model");
  private static final MetricMetadata SLO_OBJECTIVE =
      new MetricMetadata("aim_slo_objective", "The SLO's objective as a ratio of good requests");
  private static final MetricMetadata SLO_COMPLIANCE =
      new MetricMetadata(
          "aim_slo_compliance", "Share of good requests over the window (1 when empty)");
  private static final MetricMetadata SLO_BURN =
      new MetricMetadata(
          "aim_slo_burn_rate",
          "Error-budget burn rate over the window: error ratio / (1 - objective)");

  private final ModelIndex models;
  private final RequestHistogram[] latency;
  private final RequestHistogram[] queueWait;
  private final AtomicLongArray upstreamErrors;
  private final ModelMemory memory;
  private final SloTracker tracker;
  private final LongSupplier nanoClock;
  private final double[] bounds;

  /** By (model, priority, outcome). */
  private final Labels[] latencyLabels;
  private final Labels[] priorityLabels = new Labels[PRIORITIES];
  /** By model: status, unreachable. */
  private final Labels[] upstreamLabels;
  private final Labels[] modelLabels;
  /** By (model, priority, sli). */
  private final Labels[] sloLabels;
  private final double[] objectives;
  /** By ((model, priority, sli), window). */
  private final Labels[] windowLabels;

  /** Label blocks for the text exposition, escaped once: {@code {model="m",priority="p",...}. */
  private final String[] latencyText;
  private final String[] priorityText = new String[PRIORITIES];
  private final String[] upstreamText;
  private final String[] modelText;
  private final String[] sloText;
  private final String[] windowText;
  private final String[] boundText;

  private long maxWindowStart;

  RequestCollector(
      ModelIndex models,
      RequestHistogram[] latency,
      RequestHistogram[] queueWait,
      AtomicLongArray upstreamErrors,
      ModelMemory memory,
      SloTracker tracker,
      LongSupplier nanoClock) {
    this.models = models;
    this.latency = latency;
    this.queueWait = queueWait;
    this.upstreamErrors = upstreamErrors;
    this.memory = memory;
    this.tracker = tracker;
    this.nanoClock = nanoClock;
    this.maxWindowStart = nanoClock.getAsLong();
    this.bounds = new double[AimMetrics.LATENCY_BUCKETS.length + 1];
    for (int i = 0; i < AimMetrics.LATENCY_BUCKETS.length; i++) {
      bounds[i] = AimMetrics.LATENCY_BUCKETS[i].toNanos() / NANOS_PER_SECOND;
    }
    bounds[bounds.length - 1] = Double.POSITIVE_INFINITY;
    int n = models.size();
    Priority[] priorities = Priority.values();
    Outcome[] outcomes = Outcome.values();
    Sli[] slis = Sli.values();
    Window[] windows = Window.values();
    latencyLabels = new Labels[n * PRIORITIES * OUTCOMES];
    upstreamLabels = new Labels[n * 2];
    modelLabels = new Labels[n];
    sloLabels = new Labels[n * PRIORITIES * slis.length];
    objectives = new double[sloLabels.length];
    windowLabels = new Labels[sloLabels.length * windows.length];
    latencyText = new String[latencyLabels.length];
    upstreamText = new String[upstreamLabels.length];
    modelText = new String[n];
    sloText = new String[sloLabels.length];
    windowText = new String[windowLabels.length];
    boundText = new String[bounds.length];
    for (int b = 0; b < bounds.length; b++) {
      boundText[b] = "le=\"" + formatDouble(bounds[b]) + "\"} ";
    }
    for (Priority p : priorities) {
      priorityLabels[p.ordinal()] = Labels.of("priority", p.label());
    }
    for (int m = 0; m < n; m++) {
      String model = models.name(m);
      modelLabels[m] = Labels.of("model", model);
      upstreamLabels[m * 2] = Labels.of("model", model, "kind", "status");
      upstreamLabels[m * 2 + 1] = Labels.of("model", model, "kind", "unreachable");
      for (Priority p : priorities) {
        int mp = m * PRIORITIES + p.ordinal();
        for (Outcome o : outcomes) {
          latencyLabels[mp * OUTCOMES + o.ordinal()] =
              Labels.of("model", model, "priority", p.label(), "outcome", o.label());
        }
        for (Sli sli : slis) {
          int s = mp * slis.length + sli.ordinal();
          sloLabels[s] = Labels.of("model", model, "priority", p.label(), "sli", sli.label());
          if (tracker != null) {
            objectives[s] =
                sli == Sli.LATENCY
                    ? tracker.config().objective(model, p).latencyTarget()
                    : tracker.config().objective(model, p).availability();
          }
          for (Window w : windows) {
            windowLabels[s * windows.length + w.ordinal()] =
                Labels.of(
                    "model", model, "priority", p.label(), "sli", sli.label(), "window", w.label());
          }
        }
      }
    }
    buildTexts();
  }

  private void buildTexts() {
    for (int i = 0; i < latencyLabels.length; i++) {
      latencyText[i] = labelText(latencyLabels[i]);
    }
    for (int p = 0; p < PRIORITIES; p++) {
      priorityText[p] = labelText(priorityLabels[p]);
    }
    for (int i = 0; i < upstreamLabels.length; i++) {
      upstreamText[i] = labelText(upstreamLabels[i]);
    }
    for (int i = 0; i < modelLabels.length; i++) {
      modelText[i] = labelText(modelLabels[i]);
    }
    for (int i = 0; i < sloLabels.length; i++) {
      sloText[i] = labelText(sloLabels[i]);
    }
    for (int i = 0; i < windowLabels.length; i++) {
      windowText[i] = labelText(windowLabels[i]);
    }
  }

  /** {@code {a="x",b="y"}} with the values escaped as the text format requires. */
  private static String labelText(Labels labels) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < labels.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(labels.getPrometheusName(i)).append("=\"");
      String v = labels.getValue(i);
      for (int c = 0; c < v.length(); c++) {
        char ch = v.charAt(c);
        switch (ch) {
          case '\\' -> sb.append("\\\\");
          case '"' -> sb.append("\\\"");
          case '\n' -> sb.append("\\n");
          default -> sb.append(ch);
        }
      }
      sb.append('"');
    }
    return sb.append('}').toString();
  }

  /** The text format's number: {@code +Inf}, {@code -Inf}, {@code NaN} or Java's shortest form. */
  static String formatDouble(double d) {
    if (d == Double.POSITIVE_INFINITY) {
      return "+Inf";
    }
    if (d == Double.NEGATIVE_INFINITY) {
      return "-Inf";
    }
    return Double.toString(d);
  }

  private static void appendDouble(StringBuilder sb, double d) {
    if (Double.isInfinite(d) || Double.isNaN(d)) {
      sb.append(formatDouble(d));
    } else {
      sb.append(d);
    }
  }

  /** The Prometheus names of the families this collector exports. */
  @Override
  public List<String> getPrometheusNames() {
    List<String> names = new ArrayList<>();
    for (MetricMetadata m : allMetadata()) {
      names.add(m.getPrometheusName());
    }
    return names;
  }

  private List<MetricMetadata> allMetadata() {
    List<MetricMetadata> all =
        new ArrayList<>(List.of(REQUESTS, LATENCY, LATENCY_MAX, QUEUE_WAIT, QUEUE_WAIT_MAX, UPSTREAM_ERRORS));
    if (memory != null) {
      all.add(MEMORY);
    }
    if (tracker != null) {
      all.addAll(List.of(SLO_OBJECTIVE, SLO_COMPLIANCE, SLO_BURN));
    }
    return all;
  }

  @Override
  public MetricSnapshots collect(java.util.function.Predicate<String> includedNames) {
    boolean any = false;
    for (MetricMetadata m : allMetadata()) {
      any |= includedNames.test(m.getPrometheusName());
    }
    if (!any) {
      return new MetricSnapshots();
    }
    List<MetricSnapshot> kept = new ArrayList<>();
    for (MetricSnapshot snapshot : collect()) {
      if (includedNames.test(snapshot.getMetadata().getPrometheusName())) {
        kept.add(snapshot);
      }
    }
    return new MetricSnapshots(kept);
  }

  /**
   * Appends the text exposition (format 0.0.4) of every family, the same samples {@link #collect}
   * gives, written straight from the arrays: no snapshot objects, label blocks escaped once.
   */
  void writeText(StringBuilder sb) {
    rotateMaxWindow();
    long[] buckets = new long[bounds.length];
    header(sb, LATENCY, "histogram");
    for (int i = 0; i < latency.length; i++) {
      RequestHistogram h = latency[i];
      long count = read(h, buckets);
      if (i % OUTCOMES == Outcome.OK.ordinal() || count > 0) {
        histogramText(sb, "aim_model_request_latency_seconds", latencyText[i], h, buckets, count);
      }
    }
    header(sb, LATENCY_MAX, "gauge");
    for (int i = 0; i < latency.length; i++) {
      RequestHistogram h = latency[i];
      if (i % OUTCOMES == Outcome.OK.ordinal() || h.count() > 0) {
        sample(sb, "aim_model_request_latency_seconds_max", latencyText[i], h.maxNanos() / NANOS_PER_SECOND);
      }
    }
    header(sb, REQUESTS, "counter");
    for (int i = 0; i < latency.length; i++) {
      sample(sb, "aim_model_requests_total", latencyText[i], latency[i].count());
    }
    header(sb, QUEUE_WAIT, "histogram");
    for (int p = 0; p < PRIORITIES; p++) {
      long count = read(queueWait[p], buckets);
      histogramText(sb, "aim_admission_queue_wait_seconds", priorityText[p], queueWait[p], buckets, count);
    }
    header(sb, QUEUE_WAIT_MAX, "gauge");
    for (int p = 0; p < PRIORITIES; p++) {
      sample(sb, "aim_admission_queue_wait_seconds_max", priorityText[p], queueWait[p].maxNanos() / NANOS_PER_SECOND);
    }
    header(sb, UPSTREAM_ERRORS, "counter");
    for (int i = 0; i < upstreamText.length; i++) {
      sample(sb, "aim_upstream_errors_total", upstreamText[i], upstreamErrors.get(i));
    }
    if (memory != null) {
      header(sb, MEMORY, "gauge");
      for (int m = 0; m < modelText.length; m++) {
        long bytes = memory.bytes(models.name(m));
        sample(sb, "aim_model_memory_bytes", modelText[m], bytes < 0 ? Double.NaN : bytes);
      }
    }
    if (tracker != null) {
      writeSloText(sb);
    }
  }

  private void writeSloText(StringBuilder sb) {
    Priority[] priorities = Priority.values();
    Sli[] slis = Sli.values();
    Window[] windows = Window.values();
    header(sb, SLO_OBJECTIVE, "gauge");
    for (int s = 0; s < sloText.length; s++) {
      sample(sb, "aim_slo_objective", sloText[s], objectives[s]);
    }
    for (int burn = 0; burn < 2; burn++) {
      header(sb, burn == 0 ? SLO_COMPLIANCE : SLO_BURN, "gauge");
      String name = burn == 0 ? "aim_slo_compliance" : "aim_slo_burn_rate";
      for (int s = 0; s < sloText.length; s++) {
        int mp = s / slis.length;
        int m = mp / PRIORITIES;
        Priority p = priorities[mp % PRIORITIES];
        Sli sli = slis[s % slis.length];
        for (Window w : windows) {
          double v = burn == 0 ? tracker.compliance(m, p, w, sli) : tracker.burnRate(m, p, w, sli);
          sample(sb, name, windowText[s * windows.length + w.ordinal()], v);
        }
      }
    }
  }

  private static void header(StringBuilder sb, MetricMetadata meta, String type) {
    String name = meta.getPrometheusName() + (type.equals("counter") ? "_total" : "");
    sb.append("# HELP ").append(name).append(' ').append(meta.getHelp()).append('\n');
    sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void sample(StringBuilder sb, String name, String labels, double value) {
    sb.append(name).append(labels).append(' ');
    appendDouble(sb, value);
    sb.append('\n');
  }

  private void histogramText(
      StringBuilder sb, String name, String labels, RequestHistogram h, long[] buckets, long count) {
    // The label block without its closing brace, so le can be appended.
    String open = labels.substring(0, labels.length() - 1);
    String sep = open.length() > 1 ? "," : "";
    long cumulative = 0;
    for (int b = 0; b < buckets.length; b++) {
      cumulative += buckets[b];
      sb.append(name).append("_bucket").append(open).append(sep).append(boundText[b]).append(cumulative).append('\n');
    }
    sb.append(name).append("_count").append(labels).append(' ').append(count).append('\n');
    sb.append(name).append("_sum").append(labels).append(' ');
    appendDouble(sb, h.sumNanos() / NANOS_PER_SECOND);
    sb.append('\n');
  }

  @Override
  public MetricSnapshots collect() {
    rotateMaxWindow();
    List<MetricSnapshot> out = new ArrayList<>(10);
    collectRequests(out);
    collectQueueWait(out);
    collectUpstreamErrors(out);
    if (memory != null) {
      collectMemory(out);
    }
    if (tracker != null) {
      collectSlo(out);
    }
    return new MetricSnapshots(out);
  }

  private synchronized void rotateMaxWindow() {
    long now = nanoClock.getAsLong();
    if (now - maxWindowStart < MAX_WINDOW_NANOS) {
      return;
    }
    maxWindowStart = now;
    for (RequestHistogram h : latency) {
      h.rotateMax();
    }
    for (RequestHistogram h : queueWait) {
      h.rotateMax();
    }
  }

  private void collectRequests(List<MetricSnapshot> out) {
    int series = latency.length;
    List<CounterDataPointSnapshot> counts = new ArrayList<>(series);
    List<HistogramDataPointSnapshot> histograms = new ArrayList<>(series);
    List<GaugeDataPointSnapshot> maxima = new ArrayList<>(series);
    long[] buckets = new long[bounds.length];
    for (int i = 0; i < series; i++) {
      RequestHistogram h = latency[i];
      long count = read(h, buckets);
      counts.add(new CounterDataPointSnapshot(count, latencyLabels[i], null, 0L));
      // OK's histogram is always there; another outcome's appears with its first request.
      if (i % OUTCOMES == Outcome.OK.ordinal() || count > 0) {
        histograms.add(histogram(h, buckets, latencyLabels[i]));
        maxima.add(new GaugeDataPointSnapshot(h.maxNanos() / NANOS_PER_SECOND, latencyLabels[i], null));
      }
    }
    out.add(new CounterSnapshot(REQUESTS, counts));
    out.add(new HistogramSnapshot(LATENCY, histograms));
    out.add(new GaugeSnapshot(LATENCY_MAX, maxima));
  }

  private void collectQueueWait(List<MetricSnapshot> out) {
    List<HistogramDataPointSnapshot> histograms = new ArrayList<>(PRIORITIES);
    List<GaugeDataPointSnapshot> maxima = new ArrayList<>(PRIORITIES);
    long[] buckets = new long[bounds.length];
    for (int p = 0; p < PRIORITIES; p++) {
      read(queueWait[p], buckets);
      histograms.add(histogram(queueWait[p], buckets, priorityLabels[p]));
      maxima.add(
          new GaugeDataPointSnapshot(queueWait[p].maxNanos() / NANOS_PER_SECOND, priorityLabels[p], null));
    }
    out.add(new HistogramSnapshot(QUEUE_WAIT, histograms));
    out.add(new GaugeSnapshot(QUEUE_WAIT_MAX, maxima));
  }

  private void collectUpstreamErrors(List<MetricSnapshot> out) {
    List<CounterDataPointSnapshot> points = new ArrayList<>(upstreamLabels.length);
    for (int i = 0; i < upstreamLabels.length; i++) {
      points.add(new CounterDataPointSnapshot(upstreamErrors.get(i), upstreamLabels[i], null, 0L));
    }
    out.add(new CounterSnapshot(UPSTREAM_ERRORS, points));
  }

  private void collectMemory(List<MetricSnapshot> out) {
    List<GaugeDataPointSnapshot> points = new ArrayList<>(modelLabels.length);
    for (int m = 0; m < modelLabels.length; m++) {
      long bytes = memory.bytes(models.name(m));
      points.add(new GaugeDataPointSnapshot(bytes < 0 ? Double.NaN : bytes, modelLabels[m], null));
    }
    out.add(new GaugeSnapshot(MEMORY, points));
  }

  private void collectSlo(List<MetricSnapshot> out) {
    Priority[] priorities = Priority.values();
    Sli[] slis = Sli.values();
    Window[] windows = Window.values();
    List<GaugeDataPointSnapshot> objective = new ArrayList<>(sloLabels.length);
    List<GaugeDataPointSnapshot> compliance = new ArrayList<>(windowLabels.length);
    List<GaugeDataPointSnapshot> burn = new ArrayList<>(windowLabels.length);
    for (int s = 0; s < sloLabels.length; s++) {
      objective.add(new GaugeDataPointSnapshot(objectives[s], sloLabels[s], null));
      int mp = s / slis.length;
      int m = mp / PRIORITIES;
      Priority p = priorities[mp % PRIORITIES];
      Sli sli = slis[s % slis.length];
      for (Window w : windows) {
        Labels labels = windowLabels[s * windows.length + w.ordinal()];
        compliance.add(new GaugeDataPointSnapshot(tracker.compliance(m, p, w, sli), labels, null));
        burn.add(new GaugeDataPointSnapshot(tracker.burnRate(m, p, w, sli), labels, null));
      }
    }
    out.add(new GaugeSnapshot(SLO_OBJECTIVE, objective));
    out.add(new GaugeSnapshot(SLO_COMPLIANCE, compliance));
    out.add(new GaugeSnapshot(SLO_BURN, burn));
  }

  /** Copies the bucket counts into {@code buckets} and returns their total (the count). */
  private static long read(RequestHistogram h, long[] buckets) {
    return h.readBuckets(buckets);
  }

  private HistogramDataPointSnapshot histogram(RequestHistogram h, long[] buckets, Labels labels) {
    // ClassicHistogramBuckets copies the arrays and takes per-bucket (not cumulative) counts.
    return new HistogramDataPointSnapshot(
        ClassicHistogramBuckets.of(bounds, buckets),
        h.sumNanos() / NANOS_PER_SECOND,
        labels,
        Exemplars.EMPTY,
        0L);
  }
}
