package ai.aim.proxy.slo;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.metrics.WriterSlots;
import ai.aim.proxy.metrics.RequestObserver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.HdrHistogram.AbstractHistogram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tracks the SLOs of every model and priority: cumulative recorders per series and writer thread, read once a
 * second into 10 s and 1 min slots, with sliding windows of 1 min, 5 min and 1 h.
 *
 * <p>Threads: {@link #onComplete} is called by any event loop and is wait-free and
 * allocation-free (an index look-up and one {@code SeriesRecorder.record} call). {@link #tick()} is
 * called once a second by one thread ({@link #startTicking()} or a test); it and
 * {@link #snapshot()} hold the tracker's lock, which the request path never takes. The read-only
 * views ({@link #burnRate}, {@link #compliance}, {@link #highBurning}) read a status published by
 * the last tick and are safe on any thread.
 *
 * <p>The set of series is fixed at construction: every model named in the config or passed in,
 * times the three priorities, plus {@code unknown} for everything else.
 */
public final class SloTracker implements RequestObserver {
  private static final Logger log = LoggerFactory.getLogger(SloTracker.class);
  private static final int PRIORITIES = Priority.values().length;
  private static final int WINDOWS = Window.values().length;
  private static final int SLIS = Sli.values().length;

  private final SloConfig config;
  private final ModelIndex models;
  private final SloSeries[] series;
  private final LongSupplier nanoClock;
  private final long startNanos;
  private final long startMillis;
  private volatile Status status;

  /** A tracker on the system clocks. */
  public SloTracker(SloConfig config, Collection<String> extraModels) {
    this(config, extraModels, System::nanoTime, System::currentTimeMillis);
  }

  /**
   * @param config the objectives
   * @param extraModels models the sidecar serves besides those listed in the config (they get the
   *     default objectives)
   * @param nanoClock monotonic time in nanoseconds; slots are aligned to its value now
   * @param wallMillis wall-clock time in epoch milliseconds, read once here to label windows
   */
  public SloTracker(
      SloConfig config, Collection<String> extraModels, LongSupplier nanoClock, LongSupplier wallMillis) {
    this.config = config;
    LinkedHashSet<String> names = new LinkedHashSet<>(config.models().keySet());
    names.addAll(extraModels);
    this.models = new ModelIndex(names);
    this.series = new SloSeries[models.size() * PRIORITIES];
    for (int m = 0; m < models.size(); m++) {
      for (Priority p : Priority.values()) {
        String name = models.name(m);
        series[m * PRIORITIES + p.ordinal()] = new SloSeries(name, p, config.objective(name, p));
      }
    }
    this.nanoClock = nanoClock;
    this.startNanos = nanoClock.getAsLong();
    this.startMillis = wallMillis.getAsLong();
    this.status = new Status(series.length, models.size());
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
    record(
        WriterSlots.current(), models.indexOf(model), priority, outcome, queueNanos, upstreamNanos,
        ttfbNanos, totalNanos);
  }

  /**
   * {@link #onComplete} for a caller that already knows the model's index in {@link #models()}
   * and its writer slot ({@link WriterSlots#current()}), so the request path looks neither up
   * twice. Wait-free; allocation-free after the slot's first record in a series.
   */
  public void record(
      int slot,
      int modelIndex,
      Priority priority,
      Outcome outcome,
      long queueNanos,
      long upstreamNanos,
      long ttfbNanos,
      long totalNanos) {
    series[modelIndex * PRIORITIES + priority.ordinal()]
        .record(slot, outcome, queueNanos, upstreamNanos, ttfbNanos, totalNanos);
  }

  /**
   * Moves what was recorded since the last tick into the current slots, closes the slots that
   * ended, and publishes the status. One thread, about once a second.
   */
  public synchronized void tick() {
    long elapsed = Math.max(0, nanoClock.getAsLong() - startNanos);
    for (SloSeries s : series) {
      // Data recorded up to now belongs to the slot that holds the instant just before now.
      s.tenSeconds.advanceTo(Math.max(0, elapsed - 1) / s.tenSeconds.slotNanos);
      s.minutes.advanceTo(Math.max(0, elapsed - 1) / s.minutes.slotNanos);
      s.drain();
      s.tenSeconds.advanceTo(elapsed / s.tenSeconds.slotNanos);
      s.minutes.advanceTo(elapsed / s.minutes.slotNanos);
    }
    publishStatus();
  }

  private void publishStatus() {
    Status st = new Status(series.length, models.size());
    for (int i = 0; i < series.length; i++) {
      SloSeries s = series[i];
      for (Window w : Window.values()) {
        Slot win = s.ring(w).window(SloSeries.windowPosition(w));
        long total = win.total();
        int at = (i * WINDOWS + w.ordinal()) * SLIS;
        st.compliance[at] = BurnMath.compliance(win.good, total);
        st.burn[at] = BurnMath.burnRate(win.good, total, s.objective.latencyTarget());
        st.compliance[at + 1] = BurnMath.compliance(total - win.sidecarErrors, total);
        st.burn[at + 1] = BurnMath.burnRate(total - win.sidecarErrors, total, s.objective.availability());
        st.requests[i * WINDOWS + w.ordinal()] = total;
      }
    }
    SloConfig.BurnGuard guard = config.highBurn();
    for (int m = 0; m < models.size(); m++) {
      int i = m * PRIORITIES + Priority.HIGH.ordinal();
      st.highBurning[m] =
          st.requests[i * WINDOWS + Window.FIVE_MINUTES.ordinal()] >= guard.minRequests()
              && firing(st, i, Window.FIVE_MINUTES, Window.ONE_MINUTE, guard.threshold());
    }
    status = st;
  }

  private static boolean firing(Status st, int seriesIndex, Window longW, Window shortW, double threshold) {
    for (int sli = 0; sli < SLIS; sli++) {
      if (st.burn[(seriesIndex * WINDOWS + longW.ordinal()) * SLIS + sli] >= threshold
          && st.burn[(seriesIndex * WINDOWS + shortW.ordinal()) * SLIS + sli] >= threshold) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts a daemon thread that ticks once a second. Closing the result stops it.
   */
  public AutoCloseable startTicking() {
    ScheduledExecutorService exec =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "aim-slo-tick");
              t.setDaemon(true);
              return t;
            });
    exec.scheduleAtFixedRate(
        () -> {
          try {
            tick();
          } catch (RuntimeException e) {
            // Keep ticking: a failed tick must not stop SLO tracking for good.
            log.error("SLO tick failed", e);
          }
        },
        1,
        1,
        TimeUnit.SECONDS);
    return exec::shutdownNow;
  }

  /** The windows of every series, copied under the lock. Any thread; not for the request path. */
  public synchronized SloSnapshot snapshot() {
    Status st = status;
    List<SloSnapshot.Series> out = new ArrayList<>(series.length);
    for (int i = 0; i < series.length; i++) {
      SloSeries s = series[i];
      Map<Window, SloSnapshot.WindowStats> windows = new EnumMap<>(Window.class);
      for (Window w : Window.values()) {
        windows.put(w, windowStats(s, w));
      }
      List<SloSnapshot.Alert> alerts =
          List.of(
              alert(st, i, "page", Window.ONE_HOUR, Window.FIVE_MINUTES, 14.4),
              alert(st, i, "ticket", Window.ONE_HOUR, Window.FIVE_MINUTES, 6.0));
      out.add(new SloSnapshot.Series(s.model, s.priority, s.objective, windows, alerts));
    }
    return new SloSnapshot(startMillis + (nanoClock.getAsLong() - startNanos) / 1_000_000L, config, out);
  }

  private static SloSnapshot.Alert alert(
      Status st, int i, String name, Window longW, Window shortW, double threshold) {
    return new SloSnapshot.Alert(name, longW, shortW, threshold, firing(st, i, longW, shortW, threshold));
  }

  private SloSnapshot.WindowStats windowStats(SloSeries s, Window w) {
    SlotRing ring = s.ring(w);
    int pos = SloSeries.windowPosition(w);
    Slot win = ring.window(pos);
    long end = ring.closed();
    long start = end - ring.coveredSlots(pos);
    long startMs = startMillis + start * ring.slotNanos / 1_000_000L;
    long endMs = startMillis + end * ring.slotNanos / 1_000_000L;
    long total = win.total();
    double seconds = (endMs - startMs) / 1000.0;
    double rps = seconds > 0 ? total / seconds : 0.0;
    Boolean met = s.objective.hasMinThroughput() && seconds > 0 ? rps >= s.objective.minThroughputRps() : null;
    Map<LatencyKind, SloSnapshot.Percentiles> pct = new EnumMap<>(LatencyKind.class);
    for (LatencyKind k : LatencyKind.values()) {
      if (k.ordinal() < win.latency.length) {
        pct.put(k, percentiles(win.latency[k.ordinal()]));
      }
    }
    return new SloSnapshot.WindowStats(
        w,
        startMs,
        endMs,
        total,
        win.good,
        win.slow,
        win.sidecarErrors,
        rps,
        met,
        SloSnapshot.SliStats.of(win.good, total, s.objective.latencyTarget()),
        SloSnapshot.SliStats.of(total - win.sidecarErrors, total, s.objective.availability()),
        pct);
  }

  private static SloSnapshot.Percentiles percentiles(AbstractHistogram h) {
    if (h.getTotalCount() == 0) {
      return new SloSnapshot.Percentiles(0, 0, 0, 0, 0, 0);
    }
    return new SloSnapshot.Percentiles(
        h.getTotalCount(),
        h.getValueAtPercentile(50) / 1000.0,
        h.getValueAtPercentile(90) / 1000.0,
        h.getValueAtPercentile(99) / 1000.0,
        h.getValueAtPercentile(99.9) / 1000.0,
        // From the counts, not getMaxValue(): windows remove values, which leaves that stale.
        h.getValueAtPercentile(100) / 1000.0);
  }

  /** The {@code GET /slo} body: {@link SloJson#render} of a fresh {@link #snapshot()}. */
  public byte[] sloJson() {
    return SloJson.render(snapshot());
  }

  /** The registered models, "unknown" last; indexes for {@link #compliance} and {@link #burnRate}. */
  public ModelIndex models() {
    return models;
  }

  /** The objectives this tracker runs with. */
  public SloConfig config() {
    return config;
  }

  /** The compliance ratio of one indicator as of the last tick (1 for an empty window). */
  public double compliance(int modelIndex, Priority priority, Window window, Sli sli) {
    return status.compliance[statusIndex(modelIndex, priority, window, sli)];
  }

  /** The burn rate of one indicator as of the last tick (0 for an empty window). */
  public double burnRate(int modelIndex, Priority priority, Window window, Sli sli) {
    return status.burn[statusIndex(modelIndex, priority, window, sli)];
  }

  /**
   * Whether HIGH of this model burns its error budget fast, as of the last tick: the 5 minute
   * window holds at least {@code slo.highBurn.minRequests} requests, and for the latency or the
   * availability indicator both the 5 minute and the 1 minute burn rates are at least
   * {@code slo.highBurn.threshold}. Unknown models answer for the {@code unknown} series.
   * Any thread; does not allocate.
   */
  public boolean highBurning(String model) {
    return status.highBurning[models.indexOf(model)];
  }

  /** Estimated heap held by the recorders and windows of all series, in bytes. */
  public synchronized long footprintBytes() {
    long sum = 0;
    for (SloSeries s : series) {
      sum += s.footprintBytes();
    }
    return sum;
  }

  private static int statusIndex(int modelIndex, Priority priority, Window window, Sli sli) {
    return ((modelIndex * PRIORITIES + priority.ordinal()) * WINDOWS + window.ordinal()) * SLIS
        + sli.ordinal();
  }

  /** What the last tick computed; immutable once published. */
  private static final class Status {
    final double[] compliance;
    final double[] burn;
    final long[] requests;
    final boolean[] highBurning;

    Status(int series, int models) {
      compliance = new double[series * WINDOWS * SLIS];
      java.util.Arrays.fill(compliance, 1.0);
      burn = new double[series * WINDOWS * SLIS];
      requests = new long[series * WINDOWS];
      highBurning = new boolean[models];
    }
  }
}
