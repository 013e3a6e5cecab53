package ai.aim.bench.load;

import ai.aim.proxy.admission.Priority;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Open-loop arrival plans. A plan is computed before the run, so sending never waits on answers:
 * Poisson arrivals at a fixed rate, or the arrival times of a trace scaled in time. Pure functions
 * of their inputs and seed.
 */
public final class Arrivals {

  private static final DateTimeFormatter TRACE_TIME = new DateTimeFormatterBuilder()
      .appendPattern("yyyy-MM-dd HH:mm:ss")
      .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true).optionalEnd()
      .toFormatter();

  private Arrivals() {}

  /**
   * Poisson arrivals at {@code ratePerSec} for {@code durationNanos}, at most {@code maxRequests};
   * each request's class drawn from {@code mix} (HIGH, MEDIUM, LOW weights) and its tenant from
   * {@code tenants} (empty: no tenant, prompt of {@code promptTokens}).
   */
  public static List<PlannedRequest> poisson(double ratePerSec, long durationNanos, int maxRequests,
      double[] mix, List<TenantSpec> tenants, int promptTokens, int maxTokens, long seed) {
    if (!(ratePerSec > 0)) {
      throw new IllegalArgumentException("rate: " + ratePerSec + " (expected: > 0)");
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    List<PlannedRequest> out = new ArrayList<>();
    double t = 0;
    while (out.size() < maxRequests) {
      t += -Math.log(1 - rnd.nextDouble()) / ratePerSec * 1e9;
      if (t >= durationNanos) {
        break;
      }
      Priority p = pick(mix, rnd);
      TenantSpec tenant = tenants.isEmpty() ? null : tenants.get(pickTenant(tenants, rnd));
      out.add(new PlannedRequest((long) t, p, tenant == null ? null : tenant.name(),
          tenant == null ? promptTokens : tenant.promptTokens(), maxTokens));
    }
    return out;
  }

  /**
   * A burst: {@code count} requests of one class sent at the same instant every {@code periodNanos},
   * the first at {@code offsetNanos}. Parsed from {@code COUNT:PERIOD_MS:CLASS[:OFFSET_MS]}, e.g.
   * {@code 30:2000:low} (30 LOW at once every 2 s) or {@code 2:2000:high:50} (2 HIGH 50 ms after
   * each of those bursts).
   */
  public record Burst(int count, long periodNanos, Priority priority, long offsetNanos) {

    public Burst {
      if (count < 1 || periodNanos <= 0 || offsetNanos < 0) {
        throw new IllegalArgumentException("burst: count " + count + ", period " + periodNanos
            + " ns, offset " + offsetNanos + " ns (expected: count >= 1, period > 0, offset >= 0)");
      }
    }

    /** Parses {@code COUNT:PERIOD_MS:CLASS[:OFFSET_MS]}. */
    public static Burst parse(String spec) {
      String[] f = spec.split(":");
      Priority p = f.length >= 3 ? Priority.parseOrNull(f[2]) : null;
      if (f.length < 3 || f.length > 4 || p == null) {
        throw new IllegalArgumentException(
            "--burst: '" + spec + "' (expected: COUNT:PERIOD_MS:high|medium|low[:OFFSET_MS])");
      }
      try {
        return new Burst(Integer.parseInt(f[0]), Long.parseLong(f[1]) * 1_000_000L, p,
            f.length == 4 ? Long.parseLong(f[3]) * 1_000_000L : 0);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--burst: '" + spec + "' (expected: COUNT:PERIOD_MS:high|medium|low[:OFFSET_MS])", e);
      }
    }
  }

  /**
   * The requests of {@code bursts} within {@code durationNanos}, merged into {@code base} in time
   * order (a burst's requests keep the prompt and output sizes given here; no tenant).
   */
  public static List<PlannedRequest> withBursts(List<PlannedRequest> base, List<Burst> bursts,
      long durationNanos, int promptTokens, int maxTokens) {
    if (bursts.isEmpty()) {
      return base;
    }
    List<PlannedRequest> out = new ArrayList<>(base);
    for (Burst b : bursts) {
      for (long t = b.offsetNanos(); t < durationNanos; t += b.periodNanos()) {
        for (int i = 0; i < b.count(); i++) {
          out.add(new PlannedRequest(t, b.priority(), null, promptTokens, maxTokens));
        }
      }
    }
    out.sort(java.util.Comparator.comparingLong(PlannedRequest::offsetNanos));
    return out;
  }

  /**
   * Replays a trace with columns {@code TIMESTAMP,ContextTokens,GeneratedTokens}: arrival offsets
   * from the first row divided by {@code speedup} (2.0 replays twice as fast), rows past
   * {@code durationNanos} (after scaling) or {@code maxRequests} dropped; classes from {@code mix}.
   * Token counts are capped at {@code maxTokensCap} so one huge row cannot stall a small run.
   */
  public static List<PlannedRequest> trace(Path csv, double speedup, long durationNanos, int maxRequests,
      double[] mix, int maxTokensCap, long seed) throws IOException {
    if (!(speedup > 0)) {
      throw new IllegalArgumentException("trace speedup: " + speedup + " (expected: > 0)");
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    List<PlannedRequest> out = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(csv)) {
      String header = r.readLine();
      if (header == null || !header.startsWith("TIMESTAMP")) {
        throw new IOException(csv + ": first line '" + header + "' (expected: TIMESTAMP,ContextTokens,GeneratedTokens)");
      }
      LocalDateTime first = null;
      String line;
      while ((line = r.readLine()) != null && out.size() < maxRequests) {
        String[] f = line.split(",");
        if (f.length < 3) {
          continue;
        }
        LocalDateTime ts = LocalDateTime.parse(f[0].trim(), TRACE_TIME);
        if (first == null) {
          first = ts;
        }
        long offset = (long) (ChronoUnit.NANOS.between(first, ts) / speedup);
        if (offset >= durationNanos) {
          break;
        }
        int ctx = (int) Math.min(maxTokensCap, Math.max(1, Long.parseLong(f[1].trim())));
        int gen = (int) Math.min(maxTokensCap, Math.max(1, Long.parseLong(f[2].trim())));
        out.add(new PlannedRequest(offset, pick(mix, rnd), null, ctx, gen));
      }
    }
    return out;
  }

  static Priority pick(double[] mix, SplittableRandom rnd) {
    double total = mix[0] + mix[1] + mix[2];
    double x = rnd.nextDouble() * total;
    if (x < mix[0]) {
      return Priority.HIGH;
    }
    return x < mix[0] + mix[1] ? Priority.MEDIUM : Priority.LOW;
  }

  private static int pickTenant(List<TenantSpec> tenants, SplittableRandom rnd) {
    double total = 0;
    for (TenantSpec t : tenants) {
      total += t.weight();
    }
    double x = rnd.nextDouble() * total;
    for (int i = 0; i < tenants.size(); i++) {
      x -= tenants.get(i).weight();
      if (x < 0) {
        return i;
      }
    }
    return tenants.size() - 1;
  }
}
