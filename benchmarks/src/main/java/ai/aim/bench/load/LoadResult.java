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
 * @param probe the socket probe's figures, apart from everything above; {@code null} without
 *     {@code --probe} (and in results written before the probe existed)
 */
public record LoadResult(String label, double plannedSeconds, double wallSeconds,
    Map<String, Group> priorities, Map<String, Group> tenants, List<Second> timeline, Probe probe) {

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

  /**
   * Latency percentiles of one outcome, milliseconds; NaN when {@code count} is 0.
   *
   * @param count samples
   */
  public record Latency(long count, double p50, double p90, double p99, double p999, double max) {

    static Latency of(Histogram h) {
      return new Latency(h.getTotalCount(), ms(h, 50), ms(h, 90), ms(h, 99), ms(h, 99.9),
          h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1000.0);
    }
  }

  /**
   * The socket probe's figures ({@link ProbeRun}): one class at a fixed rate, one request at a
   * time over one connection, counted apart from the main load. Latencies ({@code *Ms}) from the
   * intended send time, {@code raw*Ms} from the write; "on arrival" leaves out 429s whose reason
   * names a timeout (they waited in a queue first).
   *
   * @param priority the probe's class
   * @param ratePerSec probe requests per second
   * @param planned intended send times within the run's span
   * @param sent requests attempted ({@code ok + shed + other})
   * @param other any other status and every I/O failure (connect, write, read, timeout)
   * @param ioErrors the I/O failures among {@code other}
   * @param unsent planned requests not sent because the run's span plus a timeout had passed
   * @param reconnects connections opened after the first (server closed, said close, or failed)
   * @param sendLagMs from the intended time to the write, every request written: the probe's
   *     own lateness (waking, reconnecting), which the corrected figures include and raw ones do not
   * @param otherByKind {@code other} by status code, "timeout" or "io"
   */
  public record Probe(String priority, double ratePerSec, long planned, long sent, long ok, long shed, long other,
      long ioErrors, long unsent, long reconnects, Latency shedMs, Latency rawShedMs, Latency shedOnArrivalMs,
      Latency rawShedOnArrivalMs, Latency okMs, Latency rawOkMs, Latency sendLagMs, Map<String, Long> shedByReason,
      Map<String, Long> otherByKind) {

    static Probe of(ProbeSpec spec, long planned, long sent, long other, long ioErrors, long unsent, long reconnects,
        Histogram okCorrected, Histogram okRaw, Histogram shedCorrected, Histogram shedRaw,
        Histogram shedOnArrivalCorrected, Histogram shedOnArrivalRaw, Histogram sendLag,
        Map<String, Long> shedByReason,
        Map<String, Long> otherByKind) {
      return new Probe(spec.priority().label(), spec.ratePerSec(), planned, sent, okCorrected.getTotalCount(),
          shedCorrected.getTotalCount(), other, ioErrors, unsent, reconnects, Latency.of(shedCorrected),
          Latency.of(shedRaw), Latency.of(shedOnArrivalCorrected), Latency.of(shedOnArrivalRaw),
          Latency.of(okCorrected), Latency.of(okRaw), Latency.of(sendLag), Map.copyOf(shedByReason),
          Map.copyOf(otherByKind));
    }

    void print(PrintStream out) {
      out.printf("probe %s at %.1f/s, one request at a time on one socket: %d planned, %d sent, %d unsent; "
          + "ok %d, shed %d, other %d (%d I/O errors); %d reconnects%n", priority, ratePerSec, planned, sent,
          unsent, ok, shed, other, ioErrors, reconnects);
      out.printf("  %-20s %7s %9s %9s %9s %9s %9s%n", "probe ms", "count", "p50", "p90", "p99", "p99.9", "max");
      row(out, "shed", shedMs);
      row(out, "shed raw", rawShedMs);
      row(out, "shed on arrival", shedOnArrivalMs);
      row(out, "shed on arrival raw", rawShedOnArrivalMs);
      row(out, "ok", okMs);
      row(out, "ok raw", rawOkMs);
      row(out, "send lag", sendLagMs);
      if (!shedByReason.isEmpty()) {
        StringBuilder b = new StringBuilder("  429 probe by reason:");
        new java.util.TreeMap<>(shedByReason).forEach((r, n) -> b.append(' ').append(r).append('=').append(n));
        out.println(b);
      }
      if (!otherByKind.isEmpty()) {
        StringBuilder b = new StringBuilder("  other probe answers:");
        new java.util.TreeMap<>(otherByKind).forEach((r, n) -> b.append(' ').append(r).append('=').append(n));
        out.println(b);
      }
      out.println("  (probe latency from the intended send time, raw from the write; send lag: intended time to "
          + "write; not in the tables above)");
    }

    private static void row(PrintStream out, String name, Latency l) {
      out.printf("  %-20s %7d %9.3f %9.3f %9.3f %9.3f %9.3f%n", name, l.count(), l.p50(), l.p90(), l.p99(),
          l.p999(), l.max());
    }
  }

  static LoadResult of(String label, Map<Priority, ClassStats> byPriority, Map<String, ClassStats> byTenant,
      Timeline timeline, long plannedNanos, long wallNanos, Probe probe) {
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
    return new LoadResult(label, planned, wallNanos / 1e9, ps, ts, seconds, probe);
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
    if (probe != null) {
      probe.print(out);
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
