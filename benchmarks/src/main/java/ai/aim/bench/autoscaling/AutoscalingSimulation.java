package ai.aim.bench.autoscaling;

import ai.aim.scheduler.forecast.ArrivalForecaster;
import ai.aim.scheduler.forecast.ForecastConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * Cluster simulation of one HIGH-priority model's replicas under three policies: static peak
 * provisioning, reactive-only (the scaler's metric without the forecast) and reactive+predictive
 * (the same with {@code max(reactive, forecast)}), with a replica start-up delay and the HPA's
 * default behaviour. Load: the NYC taxi series (half-hourly, interpolated) scaled to a request
 * rate, times the Azure LLM trace's 10-second burstiness; service times from the Azure trace's
 * token counts. Fluid queue model, 5-second ticks. Single-threaded.
 *
 * <p>Run from the project root: {@code java -cp benchmarks/target/aim-bench.jar
 * ai.aim.bench.autoscaling.AutoscalingSimulation [--data ../shared/data] [--startup-s 180]}
 * (without {@code --startup-s}: 180 s and 300 s).
 */
public final class AutoscalingSimulation {

  static final int TICK_S = 5;
  /** HPA sync period (and KEDA's metric read). */
  static final int SCALER_PERIOD_S = 15;
  /** HPA default scale-down stabilisation window. */
  static final int SCALE_DOWN_WINDOW_S = 300;
  /** Concurrent requests one replica can carry (engine slots). */
  static final double SLOTS_PER_REPLICA = 8;
  /** The scaler's targetPerReplica: 75 % of the slots, the rest is burst headroom. */
  static final double TARGET_PER_REPLICA = 6;
  /** Queue wait above which a request misses HIGH's SLO. */
  static final double SLO_WAIT_S = 2;
  /** Weekly peak of the smooth series maps to this many concurrent requests. */
  static final double PEAK_CONCURRENCY = 120;
  static final int MIN_REPLICAS = 1;
  static final int MAX_REPLICAS = 64;

  enum Policy {
    STATIC_PEAK,
    REACTIVE,
    PREDICTIVE
  }

  record Result(
      Policy policy,
      double sloRequests,
      double sloTicks,
      double replicaHours,
      double meanReady,
      double p99WaitS) {}

  private AutoscalingSimulation() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of("../shared/data");
    int[] startups = {180, 300};
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--data")) {
        data = Path.of(args[++i]);
      } else if (args[i].equals("--startup-s")) {
        startups = new int[] {Integer.parseInt(args[++i])};
      }
    }
    Series taxi = Series.load(data.resolve("nab-nyc-taxi.csv"));
    AzureBursts bursts = AzureBursts.load(data.resolve("azure-llm-inference-2023-conv.csv"), 10);
    System.out.printf(
        Locale.ROOT,
        "Azure trace: %d requests, mean service time %.2f s (%.2f s + %.5f s/context token + %.3f"
            + " s/generated token), 10 s burst factor max %.2f%n",
        bursts.requests,
        bursts.meanServiceSeconds,
        AzureBursts.OVERHEAD_S,
        AzureBursts.PREFILL_S_PER_TOKEN,
        AzureBursts.DECODE_S_PER_TOKEN,
        max(bursts.factor));
    for (int startup : startups) {
    for (String[] week :
        new String[][] {
          {"2014-10-06 00:00:00", "a normal week"},
          {"2014-11-24 00:00:00", "Thanksgiving week (labelled anomaly)"},
          {"2015-01-19 00:00:00", "snowstorm week (labelled anomaly)"}
        }) {
      long start = Series.parseTimestamp(week[0]);
      System.out.printf(
          Locale.ROOT,
          "%n### Week from %s (%s), start-up delay %d s%n%n",
          week[0].substring(0, 10),
          week[1],
          startup);
      System.out.println(
          "| policy | HIGH SLO (requests, wait <= 2 s) | 5-s intervals demand <= ready slots |"
              + " minutes over capacity | replica-hours | vs static | mean ready |");
      System.out.println("|---|---|---|---|---|---|---|");
      Result staticPeak = null;
      for (Policy p : Policy.values()) {
        Result r = run(taxi, bursts, start, 7 * 86400L, p, startup);
        if (p == Policy.STATIC_PEAK) {
          staticPeak = r;
        }
        System.out.printf(
            Locale.ROOT,
            "| %s | %.3f %% | %.2f %% | %.0f | %.0f | %.2fx | %.1f |%n",
            p.name().toLowerCase(Locale.ROOT).replace('_', ' '),
            100 * r.sloRequests,
            100 * r.sloTicks,
            (1 - r.sloTicks) * 7 * 1440,
            r.replicaHours,
            r.replicaHours / staticPeak.replicaHours,
            r.meanReady);
      }
    }
    }
  }

  private static double max(double[] a) {
    double m = 0;
    for (double v : a) {
      m = Math.max(m, v);
    }
    return m;
  }

  /** Smooth request rate at second {@code t}: the taxi series interpolated, scaled to the peak. */
  static double smoothRate(Series taxi, long t, double scale) {
    double pos = (double) (t - taxi.epochSeconds[0]) / taxi.stepSeconds;
    int i = (int) Math.floor(pos);
    double frac = pos - i;
    double a = taxi.values[Math.max(0, Math.min(taxi.size() - 1, i))];
    double b = taxi.values[Math.max(0, Math.min(taxi.size() - 1, i + 1))];
    return (a + frac * (b - a)) * scale;
  }

  static Result run(
      Series taxi, AzureBursts bursts, long start, long length, Policy policy, int startupS) {
    double s = bursts.meanServiceSeconds;
    // Scale: the smooth weekly peak of this week carries PEAK_CONCURRENCY concurrent requests.
    double peakTaxi = 0;
    for (long t = start; t < start + length; t += taxi.stepSeconds) {
      peakTaxi = Math.max(peakTaxi, smoothRate(taxi, t, 1));
    }
    double scale = PEAK_CONCURRENCY / s / peakTaxi;

    ArrivalForecaster forecaster = null;
    if (policy == Policy.PREDICTIVE) {
      // The scheduler's defaults: 5-minute steps, four weeks, 15-minute horizon.
      forecaster = new ArrivalForecaster(ForecastConfig.defaults());
      long step = forecaster.config().step().toSeconds();
      long warm = start - forecaster.config().historySteps() * step;
      for (long t = warm; t < start; t += step) {
        double mean = 0;
        for (long u = t; u < t + step; u += TICK_S) {
          mean += smoothRate(taxi, u, scale) * bursts.at(u);
        }
        forecaster.recordStep(t, mean / (step / TICK_S));
      }
    }

    int staticReplicas = 0;
    if (policy == Policy.STATIC_PEAK) {
      double peak = 0;
      for (long t = start; t < start + length; t += TICK_S) {
        peak = Math.max(peak, smoothRate(taxi, t, scale) * bursts.at(t) * s);
      }
      staticReplicas = (int) Math.ceil(peak / TARGET_PER_REPLICA);
    }

    int ready = policy == Policy.STATIC_PEAK ? staticReplicas : MIN_REPLICAS;
    Deque<Long> starting = new ArrayDeque<>();
    Deque<long[]> recentDesired = new ArrayDeque<>();
    double backlog = 0;
    double served = 0;
    double met = 0;
    double all = 0;
    long okTicks = 0;
    long ticks = 0;
    double replicaSeconds = 0;
    double readySeconds = 0;
    double[] waitHistogram = new double[601];
    // Start from the steady state of the first tick for the dynamic policies.
    if (policy != Policy.STATIC_PEAK) {
      ready =
          clamp((int) Math.ceil(smoothRate(taxi, start, scale) * s / TARGET_PER_REPLICA));
    }
    for (long t = start; t < start + length; t += TICK_S) {
      while (!starting.isEmpty() && starting.peekFirst() <= t) {
        starting.pollFirst();
        ready++;
      }
      double rate = smoothRate(taxi, t, scale) * bursts.at(t);
      double arrivals = rate * TICK_S;
      double capacityRps = ready * SLOTS_PER_REPLICA / s;
      double wait = capacityRps > 0 ? backlog / capacityRps : Double.POSITIVE_INFINITY;
      // Requests arriving now wait for the backlog ahead of them to drain.
      all += arrivals;
      if (wait <= SLO_WAIT_S) {
        met += arrivals;
      }
      waitHistogram[(int) Math.min(600, Math.ceil(wait * 10))] += arrivals;
      backlog = Math.max(0, backlog + arrivals - capacityRps * TICK_S);
      served += arrivals;
      ticks++;
      if (rate * s <= ready * SLOTS_PER_REPLICA && backlog == 0) {
        okTicks++;
      }
      replicaSeconds += (ready + starting.size()) * TICK_S;
      readySeconds += ready * TICK_S;
      if (forecaster != null) {
        forecaster.sample(t, rate);
      }
      if (policy == Policy.STATIC_PEAK || (t - start) % SCALER_PERIOD_S != 0) {
        continue;
      }
      // The scaler's metric: max(queued + in-flight, Little's law), optionally the forecast.
      double inFlight = Math.min(ready * SLOTS_PER_REPLICA, rate * s);
      double demand = Math.max(backlog + inFlight, rate * s);
      if (forecaster != null) {
        double f = forecaster.forecast(t).map(x -> x.rate()).orElse(0.0) * s;
        demand = Math.max(demand, f);
      }
      int current = ready + starting.size();
      int desired = (int) Math.ceil(demand / TARGET_PER_REPLICA);
      double ratio = demand / (TARGET_PER_REPLICA * Math.max(1, current));
      if (Math.abs(ratio - 1) <= 0.1) {
        desired = current; // HPA tolerance
      }
      desired = clamp(desired);
      // HPA: scale up at most max(2x, +4) per period; scale down to the max of the last 5 minutes.
      desired = Math.min(desired, Math.max(2 * current, current + 4));
      recentDesired.addLast(new long[] {t, desired});
      while (recentDesired.peekFirst()[0] <= t - SCALE_DOWN_WINDOW_S) {
        recentDesired.pollFirst();
      }
      if (desired < current) {
        int stabilised = 0;
        for (long[] d : recentDesired) {
          stabilised = (int) Math.max(stabilised, d[1]);
        }
        desired = Math.min(current, stabilised);
      }
      while (current < desired) {
        starting.addLast(t + startupS);
        current++;
      }
      while (current > desired) {
        if (!starting.isEmpty()) {
          starting.pollLast();
        } else {
          ready--;
        }
        current--;
      }
    }
    double cum = 0;
    double p99 = 0;
    for (int i = 0; i < waitHistogram.length; i++) {
      cum += waitHistogram[i];
      if (cum >= 0.99 * served) {
        p99 = i / 10.0;
        break;
      }
    }
    return new Result(
        policy, met / all, (double) okTicks / ticks, replicaSeconds / 3600, readySeconds / length, p99);
  }

  private static int clamp(int replicas) {
    return Math.max(MIN_REPLICAS, Math.min(MAX_REPLICAS, replicas));
  }

  static String iso(long epochSecond) {
    return Instant.ofEpochSecond(epochSecond).toString();
  }

  static Duration tick() {
    return Duration.ofSeconds(TICK_S);
  }
}
