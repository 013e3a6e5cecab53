package ai.aim.proxy.slo;

import ai.aim.proxy.admission.Priority;
import java.util.List;
import java.util.Map;

/**
 * A point-in-time copy of every series' windows, taken under the tracker's lock and immutable
 * afterwards; safe to hand to any thread and to render.
 *
 * @param takenAtMillis wall-clock time of the snapshot (epoch milliseconds)
 * @param config the configuration the tracker runs with (the registered SLOs)
 * @param series one entry per model and priority, in model order then priority order
 */
public record SloSnapshot(long takenAtMillis, SloConfig config, List<Series> series) {

  /** One model and priority. */
  public record Series(
      String model,
      Priority priority,
      SloObjective objective,
      Map<Window, WindowStats> windows,
      List<Alert> alerts) {}

  /**
   * One window of one series.
   *
   * @param startMillis start of the oldest slot in the window (epoch ms)
   * @param endMillis end of the newest closed slot (epoch ms); {@code start == end} while empty
   * @param requests all finished requests
   * @param good within the threshold and not a sidecar error
   * @param slow answered but slower than the threshold
   * @param sidecarErrors answered by the sidecar with an error (shed, deadline, unavailable)
   * @param throughputRps requests per second over the covered span
   * @param throughputMet whether {@code minThroughputRps} is met; {@code null} when there is none
   *     or the window is empty
   */
  public record WindowStats(
      Window window,
      long startMillis,
      long endMillis,
      long requests,
      long good,
      long slow,
      long sidecarErrors,
      double throughputRps,
      Boolean throughputMet,
      SliStats latency,
      SliStats availability,
      Map<LatencyKind, Percentiles> percentiles) {

    /** The larger of the two indicators' burn rates. */
    public double burnRate() {
      return Math.max(latency.burnRate(), availability.burnRate());
    }

    /** The stats of one indicator. */
    public SliStats sli(Sli sli) {
      return sli == Sli.LATENCY ? latency : availability;
    }
  }

  /** One indicator over one window; see {@link BurnMath}. */
  public record SliStats(
      long good, long total, double objective, double compliance, double burnRate, double budgetRemaining) {

    static SliStats of(long good, long total, double objective) {
      return new SliStats(
          good,
          total,
          objective,
          BurnMath.compliance(good, total),
          BurnMath.burnRate(good, total, objective),
          BurnMath.budgetRemaining(good, total, objective));
    }
  }

  /**
   * Latency percentiles in milliseconds (HdrHistogram, two significant digits; each value is the
   * highest value equivalent to the recorded ones).
   */
  public record Percentiles(long count, double p50, double p90, double p99, double p999, double max) {}

  /**
   * A multi-window burn-rate alert: firing when, for either indicator, the burn rates over both
   * the long and the short window are at least {@code threshold}.
   */
  public record Alert(
      String name, Window longWindow, Window shortWindow, double threshold, boolean firing) {}
}
