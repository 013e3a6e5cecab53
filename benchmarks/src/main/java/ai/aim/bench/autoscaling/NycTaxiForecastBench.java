package ai.aim.bench.autoscaling;

import ai.aim.scheduler.forecast.ArrivalForecaster;
import ai.aim.scheduler.forecast.BusinessHours;
import ai.aim.scheduler.forecast.Forecast;
import ai.aim.scheduler.forecast.ForecastConfig;
import ai.aim.scheduler.forecast.StepObservation;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Walk-forward evaluation of {@link ArrivalForecaster} on the NAB NYC taxi series: forecast error
 * (MAPE, MASE) at several horizons against seasonal-naive baselines, and spike detection against
 * the five labelled anomaly windows. Single-threaded; prints a Markdown report.
 *
 * <p>Run from the project root: {@code java -cp benchmarks/target/aim-bench.jar
 * ai.aim.bench.autoscaling.NycTaxiForecastBench [--data ../shared/data]}.
 */
public final class NycTaxiForecastBench {

  /** Targets before this many steps (four weeks) are not scored: every method gets the same past. */
  static final int EVAL_START = 4 * 7 * 48;
  /** Flagged steps in a row needed to raise an alarm. */
  static final int MIN_RUN = 3;
  /** Alarms closer than this are one event. */
  static final long MERGE_SECONDS = Duration.ofHours(12).toSeconds();

  private NycTaxiForecastBench() {}

  public static void main(String[] args) throws Exception {
    Path data = Path.of("../shared/data");
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--data")) {
        data = Path.of(args[++i]);
      }
    }
    Series series = Series.load(data.resolve("nab-nyc-taxi.csv"));
    List<long[]> windows = Series.windows(data.resolve("nab-nyc-taxi-anomaly-windows.json"));
    System.out.printf(
        Locale.ROOT,
        "NYC taxi: %d half-hourly points, scored targets from step %d (after 4 weeks)%n%n",
        series.size(),
        EVAL_START);
    System.out.println(
        "| horizon | steps | model MAPE | week-naive MAPE | day-naive MAPE | model MASE |"
            + " week-naive MASE | day-naive MASE | model/week-naive MAE | model/day-naive MAE |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|");
    for (Duration h :
        List.of(
            Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(6), Duration.ofHours(24))) {
      evaluate(series, h, windows);
    }
    detect(series, windows);
  }

  static ForecastConfig config(Duration horizon) {
    return ForecastConfig.defaults()
        .withStep(Duration.ofMinutes(30), 4 * 7 * 48)
        .withHorizon(horizon)
        .withRecomputeInterval(Duration.ZERO)
        .withSpikeZ(4.5)
        .withBusinessHours(
            new BusinessHours(
                ZoneId.of("UTC"),
                BusinessHours.officeHoursUtc().days(),
                java.time.LocalTime.of(7, 0),
                java.time.LocalTime.of(20, 0)));
  }

  static void evaluate(Series s, Duration horizon, List<long[]> windows) {
    ArrivalForecaster f = new ArrivalForecaster(config(horizon));
    int n = s.size();
    double[] forecast = new double[n];
    java.util.Arrays.fill(forecast, Double.NaN);
    int steps = 0;
    for (int t = 0; t < n; t++) {
      f.recordStep(s.epochSeconds[t], s.values[t]);
      long now = s.epochSeconds[t] + s.stepSeconds;
      Forecast fc = f.forecast(now).orElseThrow();
      int target = s.indexOf(fc.targetEpochSecond());
      steps = fc.horizonSteps();
      if (target < n) {
        forecast[target] = fc.rate();
      }
    }
    // In-sample scale for MASE: MAE of the weekly seasonal-naive forecast over the warm-up only.
    double scale = 0;
    int scaleN = 0;
    for (int t = 336; t < EVAL_START; t++) {
      scale += Math.abs(s.values[t] - s.values[t - 336]);
      scaleN++;
    }
    scale /= scaleN;
    double[] model = new double[3];
    double[] week = new double[3];
    double[] day = new double[3];
    int last = EVAL_START + steps;
    for (int t = Math.max(EVAL_START, steps); t < n; t++) {
      double y = s.values[t];
      int lastKnown = t - steps;
      int dayLag = 48;
      while (t - dayLag > lastKnown) {
        dayLag += 48;
      }
      accumulate(model, y, forecast[t]);
      accumulate(week, y, s.values[t - 336]);
      accumulate(day, y, s.values[t - dayLag]);
      last = t;
    }
    System.out.printf(
        Locale.ROOT,
        "| %s | %d | %.1f %% | %.1f %% | %.1f %% | %.3f | %.3f | %.3f | %.2f | %.2f |%n",
        horizon.toString().substring(2).toLowerCase(Locale.ROOT),
        steps,
        mape(model),
        mape(week),
        mape(day),
        mae(model) / scale,
        mae(week) / scale,
        mae(day) / scale,
        mae(model) / mae(week),
        mae(model) / mae(day));
    if (last < 0) {
      throw new IllegalStateException("nothing scored");
    }
  }

  private static void accumulate(double[] acc, double y, double f) {
    acc[0] += Math.abs(y - f) / y;
    acc[1] += Math.abs(y - f);
    acc[2]++;
  }

  private static double mape(double[] acc) {
    return 100 * acc[0] / acc[2];
  }

  private static double mae(double[] acc) {
    return acc[1] / acc[2];
  }

  static void detect(Series s, List<long[]> windows) {
    ArrivalForecaster f = new ArrivalForecaster(config(Duration.ofMinutes(15)));
    List<long[]> events = new ArrayList<>();
    int run = 0;
    for (int t = 0; t < s.size(); t++) {
      StepObservation o = f.recordStep(s.epochSeconds[t], s.values[t]);
      run = o.spike() ? run + 1 : 0;
      if (run >= MIN_RUN) {
        long at = s.epochSeconds[t];
        long[] lastEvent = events.isEmpty() ? null : events.get(events.size() - 1);
        if (lastEvent != null && at - lastEvent[1] <= MERGE_SECONDS) {
          lastEvent[1] = at;
        } else {
          events.add(new long[] {s.epochSeconds[t - MIN_RUN + 1], at});
        }
      }
    }
    int hits = 0;
    StringBuilder detail = new StringBuilder();
    for (long[] w : windows) {
      boolean hit = false;
      for (long[] e : events) {
        hit |= e[1] >= w[0] && e[0] <= w[1];
      }
      hits += hit ? 1 : 0;
      detail.append(String.format(Locale.ROOT, "- window %s .. %s: %s%n", iso(w[0]), iso(w[1]), hit ? "hit" : "MISS"));
    }
    int falseAlarms = 0;
    StringBuilder fa = new StringBuilder();
    for (long[] e : events) {
      boolean inside = false;
      for (long[] w : windows) {
        inside |= e[1] >= w[0] && e[0] <= w[1];
      }
      if (!inside) {
        falseAlarms++;
        fa.append(String.format(Locale.ROOT, "- false alarm %s .. %s%n", iso(e[0]), iso(e[1])));
      }
    }
    System.out.printf(
        Locale.ROOT,
        "%nDetection (|z| > %.1f for >= %d consecutive half-hours, alarms within 12 h merged): "
            + "%d/%d windows hit, %d alarm events, %d false alarms%n%s%s",
        f.config().spikeZ(),
        MIN_RUN,
        hits,
        windows.size(),
        events.size(),
        falseAlarms,
        detail,
        fa);
  }

  private static String iso(long epochSecond) {
    return java.time.Instant.ofEpochSecond(epochSecond).toString().substring(0, 16);
  }
}
