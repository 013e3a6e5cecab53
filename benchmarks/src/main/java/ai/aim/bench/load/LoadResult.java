package ai.aim.bench.load;

import ai.aim.proxy.admission.Priority;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one {@link LoadRun}: per priority and per tenant counts, goodput and latency
 * percentiles (milliseconds), plus the per-second timeline. Immutable; serialised as the JSON
 * result by Jackson.
 *
 * @param label the target's name
 * @param plannedSeconds span of the intended send times
 * @param wallSeconds from the first send to the last answer
 * @param priorities per class, HIGH first
 * @param tenants per tenant key (empty without tenants)
 * @param timeline per second: offered, ok and shed per class
 */
public record LoadResult(String label, double plannedSeconds, double wallSeconds,
    Map<String, Group> priorities, Map<String, Group> tenants, List<Second> timeline) {

  /** Percentiles reported for every group and plotted. */
  public static final double[] PERCENTILES = {50, 75, 90, 95, 99, 99.9, 99.99};

  /**
   * One group's figures. Latencies in milliseconds; {@code okP*} are coordinated-omission
   * corrected (from the intended send time), {@code rawOkP*} from the actual hand-over.
   */
  public record Group(long sent, long ok, long shed, long errors, long okTokens,
      double goodputRps, double goodputTokensPerSec,
      double okP50, double okP99, double okP999, double okMax, double rawOkP50, double rawOkP99,
      double shedP50, double shedP99, double rawShedP50, double rawShedP99,
      long shedAfterWait, double shedOnArrivalP50, double shedOnArrivalP99,
      Map<String, Double> okPercentiles, Map<String, Long> shedByReason) {}

  /** One second of the timeline. */
  public record Second(int second, long[] offered, long[] ok, long[] shed) {}

  static LoadResult of(String label, Map<Priority, ClassStats> byPriority, Map<String, ClassStats> byTenant,
      Timeline timeline, long plannedNanos, long wallNanos) {
    double planned = Math.max(1e-9, plannedNanos / 1e9);
    Map<String, Group> ps = new LinkedHashMap<>();
    byPriority.forEach((p, s) -> ps.put(p.label(), group(s, planned)));
    Map<String, Group> ts = new LinkedHashMap<>();
    byTenant.forEach((t, s) -> ts.put(t, group(s, planned)));
    List<Second> seconds = new ArrayList<>();
    for (int i = 0; i < timeline.seconds; i++) {
      long[] o = new long[3];
      long[] k = new long[3];
      long[] sh = new long[3];
      for (Priority p : Priority.values()) {
        o[p.ordinal()] = timeline.offered(p, i);
        k[p.ordinal()] = timeline.ok(p, i);
        sh[p.ordinal()] = timeline.shed(p, i);
      }
      seconds.add(new Second(i, o, k, sh));
    }
    return new LoadResult(label, planned, wallNanos / 1e9, ps, ts, seconds);
  }

  private static Group group(ClassStats s, double seconds) {
    Map<String, Double> pct = new LinkedHashMap<>();
    for (double q : PERCENTILES) {
      pct.put(Double.toString(q), ms(s.totalOkCorrected, q));
    }
    long ok = s.ok.sum();
    return new Group(s.sent.sum(), ok, s.shed.sum(), s.errors.sum(), s.okTokens.sum(),
        ok / seconds, s.okTokens.sum() / seconds,
        ms(s.totalOkCorrected, 50), ms(s.totalOkCorrected, 99), ms(s.totalOkCorrected, 99.9),
        s.totalOkCorrected.getTotalCount() == 0 ? Double.NaN : s.totalOkCorrected.getMaxValue() / 1000.0,
        ms(s.totalOkRaw, 50), ms(s.totalOkRaw, 99),
        ms(s.totalShedCorrected, 50), ms(s.totalShedCorrected, 99),
        ms(s.totalShedRaw, 50), ms(s.totalShedRaw, 99),
        s.shedAfterWait.sum(), ms(s.totalShedOnArrival, 50), ms(s.totalShedOnArrival, 99), pct,
        s.shedByReason());
  }

  static double ms(Histogram h, double q) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(q) / 1000.0;
  }

  /** Total successful responses per second over the planned span. */
  public double goodputRps() {
    return priorities.values().stream().mapToDouble(Group::goodputRps).sum();
  }

  /** Total successful tokens per second over the planned span. */
  public double goodputTokensPerSec() {
    return priorities.values().stream().mapToDouble(Group::goodputTokensPerSec).sum();
  }

  /**
   * Successful answers per second in steady state: answers completed in whole seconds 1 to
   * (planned span - 1), which leaves out the filling first second and the drain after the last send.
   */
  public double steadyGoodputRps() {
    int last = (int) Math.floor(plannedSeconds) - 1;
    if (last < 2) {
      return goodputRps();
    }
    long ok = 0;
    for (Second s : timeline) {
      if (s.second() >= 1 && s.second() < last + 1) {
        ok += s.ok()[0] + s.ok()[1] + s.ok()[2];
      }
    }
    return ok / (double) last;
  }

  /** Prints the text table. */
  public void print(PrintStream out) {
    out.printf("target %s: %.1f s planned, %.1f s to the last answer; goodput %.1f rps (steady state %.1f rps), "
        + "%.0f tokens/s%n", label, plannedSeconds, wallSeconds, goodputRps(), steadyGoodputRps(), goodputTokensPerSec());
    table(out, "priority", priorities);
    if (!tenants.isEmpty()) {
      table(out, "tenant", tenants);
    }
  }

  private static void table(PrintStream out, String kind, Map<String, Group> groups) {
    out.printf("%-8s %7s %7s %7s %6s %6s %8s %10s %9s %9s %9s %9s %10s %10s%n", kind, "sent", "ok", "shed",
        "waited", "errors", "ok/s", "tokens/s", "p50 ms", "p99 ms", "raw p99", "max ms", "shed p99", "arrival p99");
    groups.forEach((name, g) -> out.printf("%-8s %7d %7d %7d %6d %6d %8.1f %10.0f %9.2f %9.2f %9.2f %9.2f %10.3f %10.3f%n",
        name, g.sent(), g.ok(), g.shed(), g.shedAfterWait(), g.errors(), g.goodputRps(), g.goodputTokensPerSec(),
        g.okP50(), g.okP99(), g.rawOkP99(), g.okMax(), g.shedP99(), g.shedOnArrivalP99()));
    groups.forEach((name, g) -> {
      if (!g.shedByReason().isEmpty()) {
        StringBuilder b = new StringBuilder("  429 " + name + " by reason:");
        g.shedByReason().forEach((r, n) -> b.append(' ').append(r).append('=').append(n));
        out.println(b);
      }
    });
    out.println("  (latency from the intended send time; 'waited': 429s whose reason names a timeout; "
        + "'arrival p99': time to the other 429s)");
  }
}
