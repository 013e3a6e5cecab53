package ai.aim.scheduler.forecast;

import java.util.Optional;

/**
 * Forecasts one model's arrival rate a horizon ahead from a bounded history of per-step rates.
 *
 * <p>The model, in log space (so that night and day errors weigh alike): {@code log f(T) = log
 * S(T) + L + phi^h (E - L) + g h}, where {@code S} is the seasonal profile (mean of the same
 * phase in the previous weeks, or of the same time on previous days of the same kind), {@code L}
 * the long-run level (median log residual of the last day), {@code E} the short-run level (an
 * exponentially weighted mean of the last residuals, damped by {@code phi} per step of horizon
 * {@code h}) and {@code g} the robust trend. Each completed step is scored against the
 * expectation at the weekly level with a median/MAD z-score; a spike enters the seasonal history
 * winsorized at the threshold, so one marathon or snowstorm does not bend next week's profile,
 * while the short-run level still follows it (load that is there must be served).
 *
 * <p>Memory is fixed at construction: three {@code float} rings of {@link
 * ForecastConfig#historySteps()} entries. All methods are {@code synchronized}: any thread may
 * call them, one at a time; the heavy work is bounded by the ring size.
 */
public final class ArrivalForecaster {

  private static final double SHORT_ALPHA = 0.5;
  private static final double DAMPING = 0.85;
  private static final int SHORT_WINDOW = 8;
  private static final int SAME_KIND_DAYS = 3;

  private final ForecastConfig config;
  private final long stepSeconds;
  private final int capacity;
  private final int perDay;
  private final int perWeek;
  private final float[] raw;
  private final float[] clean;
  private final float[] resid;

  private long newest = Long.MIN_VALUE;
  private int count;
  private long openStep = Long.MIN_VALUE;
  private double openSum;
  private int openCount;

  private Seasonality seasonality = new Seasonality(Double.NaN, Double.NaN, false, false, Seasonality.Profile.FLAT);
  private long seasonalityStep = Long.MIN_VALUE;
  private double eps = 1e-6;
  private double trendPerDay;
  private double levelDay;
  private double levelWeek;
  private double sigma = Double.NaN;
  private StepObservation last;
  private Forecast cached;
  private long cachedAt;
  private long cachedNewest;

  public ArrivalForecaster(ForecastConfig config) {
    this.config = config;
    this.stepSeconds = config.step().toSeconds();
    this.capacity = config.historySteps();
    this.perDay = config.stepsPerDay();
    this.perWeek = config.stepsPerWeek();
    this.raw = new float[capacity];
    this.clean = new float[capacity];
    this.resid = new float[capacity];
  }

  public ForecastConfig config() {
    return config;
  }

  /**
   * Adds one live sample (e.g. the arrival rate of a load report). Samples inside one step are
   * averaged; the step is completed when the first sample of a later step arrives. Samples older
   * than the open step are dropped.
   */
  public synchronized void sample(long epochSecond, double rate) {
    checkRate(rate);
    long step = Math.floorDiv(epochSecond, stepSeconds);
    if (openStep == Long.MIN_VALUE) {
      openStep = step;
    } else if (step < openStep) {
      return;
    } else if (step > openStep) {
      complete(openStep, openSum / openCount);
      openStep = step;
      openSum = 0;
      openCount = 0;
    }
    openSum += rate;
    openCount++;
  }

  /**
   * Records the mean rate of a whole step that is already aggregated (replayed series). Do not mix
   * with {@link #sample} on one instance.
   *
   * @throws IllegalArgumentException if the step is not after the newest recorded one, or the
   *     rate is negative or not finite
   */
  public synchronized StepObservation recordStep(long stepEpochSecond, double rate) {
    checkRate(rate);
    long step = Math.floorDiv(stepEpochSecond, stepSeconds);
    if (newest != Long.MIN_VALUE && step <= newest) {
      throw new IllegalArgumentException(
          "step " + stepEpochSecond + " (expected: after " + newest * stepSeconds + ")");
    }
    return complete(step, rate);
  }

  /** The forecast for the step containing {@code now + horizon}; empty before the first step. */
  public synchronized Optional<Forecast> forecast(long nowEpochSecond) {
    if (count == 0) {
      return Optional.empty();
    }
    if (cached != null
        && cachedNewest == newest
        && nowEpochSecond - cachedAt < config.recomputeInterval().toSeconds()
        && nowEpochSecond >= cachedAt) {
      return Optional.of(cached);
    }
    long target = Math.floorDiv(nowEpochSecond + config.horizon().toSeconds(), stepSeconds);
    int h = (int) Math.max(1, Math.min(perWeek, target - newest));
    target = newest + h;
    double profile = profile(target);
    double shortLevel = shortLevel();
    double logF =
        Math.log(profile + eps)
            + levelDay
            + Math.pow(DAMPING, h) * (shortLevel - levelDay)
            + Math.log1p(trendPerDay) * h / perDay;
    double rate = Math.max(0, Math.exp(logF) - eps);
    BusinessHours hours = config.businessHours();
    cached =
        new Forecast(
            rate,
            target * stepSeconds,
            h,
            profile,
            seasonality,
            trendPerDay,
            last != null && last.spike(),
            last == null ? 0 : last.z(),
            hours != null && hours.contains(target * stepSeconds),
            nowEpochSecond);
    cachedAt = nowEpochSecond;
    cachedNewest = newest;
    return Optional.of(cached);
  }

  /** The cycles found at the last daily re-evaluation. */
  public synchronized Seasonality seasonality() {
    return seasonality;
  }

  /** The seasonal profile's value at the step containing {@code epochSecond} (for inspection). */
  public synchronized double seasonalProfileAt(long epochSecond) {
    return profile(Math.floorDiv(epochSecond, stepSeconds));
  }

  /** Completed steps held (gaps included), at most {@link ForecastConfig#historySteps()}. */
  public synchronized int size() {
    return count;
  }

  private static void checkRate(double rate) {
    if (!(rate >= 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("rate: " + rate + " (expected: finite, >= 0)");
    }
  }

  private StepObservation complete(long step, double rate) {
    if (newest != Long.MIN_VALUE) {
      long gap = step - newest - 1;
      if (gap >= capacity) {
        count = 0;
      } else {
        for (long s = newest + 1; s < step; s++) {
          put(s, Float.NaN, Float.NaN, Float.NaN);
        }
      }
    }
    if (count == 0) {
      newest = step - 1;
    }
    if (seasonalityStep == Long.MIN_VALUE || step - seasonalityStep >= Math.max(1, perDay / 24)) {
      refreshSeasonality();
      seasonalityStep = step;
    }
    double profile = profile(step);
    double expected = Double.NaN;
    double z = 0;
    double cleaned = rate;
    double r = Double.NaN;
    if (!Double.isNaN(profile)) {
      r = Math.log((rate + eps) / (profile + eps));
      expected = (profile + eps) * Math.exp(levelWeek) - eps;
      // Only score once a weekly cycle could be told apart (a week and a day of history):
      // before that, a daily profile would call every weekend an anomaly and winsorize it away.
      boolean scored =
          seasonality.profile() != Seasonality.Profile.FLAT
              && sigma > 0
              && count >= perWeek + perDay;
      if (scored) {
        z = (r - levelWeek) / sigma;
        if (Math.abs(z) > config.spikeZ()) {
          double bound = levelWeek + Math.signum(z) * config.spikeZ() * sigma;
          cleaned = Math.max(0, (profile + eps) * Math.exp(bound) - eps);
        }
      }
    }
    boolean spike = Math.abs(z) > config.spikeZ();
    put(step, (float) rate, (float) cleaned, (float) r);
    refreshLevels();
    last = new StepObservation(step * stepSeconds, rate, expected, z, spike, cleaned);
    return last;
  }

  private void put(long step, float rawValue, float cleanValue, float residual) {
    int i = (int) Math.floorMod(step, (long) capacity);
    raw[i] = rawValue;
    clean[i] = cleanValue;
    resid[i] = residual;
    newest = step;
    count = Math.min(capacity, count + 1);
  }

  private boolean held(long step) {
    return step <= newest && step > newest - count;
  }

  private double cleanAt(long step) {
    return held(step) ? clean[(int) Math.floorMod(step, (long) capacity)] : Double.NaN;
  }

  private double residAt(long step) {
    return held(step) ? resid[(int) Math.floorMod(step, (long) capacity)] : Double.NaN;
  }

  /** Seasonal expectation at {@code step} from the cleaned history strictly before it. */
  private double profile(long step) {
    switch (seasonality.profile()) {
      case WEEKLY:
        {
          double p = phaseMean(step, perWeek, Integer.MAX_VALUE, false);
          if (!Double.isNaN(p)) {
            return p;
          }
          double d = sameKindDays(step);
          return Double.isNaN(d) ? flat() : d;
        }
      case DAILY:
        {
          double d = sameKindDays(step);
          return Double.isNaN(d) ? flat() : d;
        }
      default:
        return flat();
    }
  }

  private double sameKindDays(long step) {
    double d = phaseMean(step, perDay, SAME_KIND_DAYS, config.businessHours() != null);
    return Double.isNaN(d) ? phaseMean(step, perDay, SAME_KIND_DAYS, false) : d;
  }

  /** Mean of the cleaned values one, two, ... periods before {@code step}, up to {@code max}. */
  private double phaseMean(long step, int period, int max, boolean sameKind) {
    BusinessHours hours = config.businessHours();
    boolean kind = sameKind && hours.isBusinessDay(step * stepSeconds);
    double sum = 0;
    int n = 0;
    for (long s = step - period; s > newest - count && n < max; s -= period) {
      if (s > newest) {
        continue;
      }
      if (sameKind && hours.isBusinessDay(s * stepSeconds) != kind) {
        continue;
      }
      double v = cleanAt(s);
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  private double flat() {
    double sum = 0;
    int n = 0;
    for (long s = newest; s > newest - Math.min(count, perDay); s--) {
      double v = cleanAt(s);
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  private double shortLevel() {
    double level = Double.NaN;
    for (long s = newest - SHORT_WINDOW + 1; s <= newest; s++) {
      double r = residAt(s);
      if (Double.isNaN(r)) {
        continue;
      }
      level = Double.isNaN(level) ? r : SHORT_ALPHA * r + (1 - SHORT_ALPHA) * level;
    }
    return Double.isNaN(level) ? levelDay : level;
  }

  private void refreshLevels() {
    double[] buf = new double[Math.min(count, perWeek)];
    int n = collectResiduals(buf, Math.min(count, perDay));
    levelDay = n == 0 ? 0 : Robust.medianInPlace(buf, n);
    n = collectResiduals(buf, buf.length);
    if (n == 0) {
      levelWeek = 0;
      sigma = Double.NaN;
      return;
    }
    levelWeek = Robust.medianInPlace(buf, n);
    sigma = Robust.MAD_TO_SIGMA * Robust.madInPlace(buf, n, levelWeek);
  }

  private int collectResiduals(double[] buf, int window) {
    int n = 0;
    for (long s = newest; s > newest - window; s--) {
      double r = residAt(s);
      if (!Double.isNaN(r)) {
        buf[n++] = r;
      }
    }
    return n;
  }

  private void refreshSeasonality() {
    int n = count;
    double[] x = new double[n];
    double sum = 0;
    int m = 0;
    for (int k = 0; k < n; k++) {
      double v = cleanAt(newest - n + 1 + k);
      x[k] = v;
      if (!Double.isNaN(v)) {
        sum += v;
        m++;
      }
    }
    if (m > 0) {
      eps = Math.max(1e-9, 0.01 * sum / m);
    }
    for (int k = 0; k < n; k++) {
      x[k] = Double.isNaN(x[k]) ? Double.NaN : Math.log(x[k] + eps);
    }
    double acfDay = n >= 2 * perDay ? Robust.autocorrelation(x, n, perDay) : Double.NaN;
    double acfWeek = n >= perWeek + perDay ? Robust.autocorrelation(x, n, perWeek) : Double.NaN;
    double threshold = config.seasonalityThreshold();
    Seasonality.Profile profile;
    if (acfWeek >= threshold && !(acfDay >= acfWeek - 0.05 && count < 2 * perWeek)) {
      profile = Seasonality.Profile.WEEKLY;
    } else if (acfDay >= threshold) {
      profile = Seasonality.Profile.DAILY;
    } else {
      profile = Seasonality.Profile.FLAT;
    }
    seasonality =
        new Seasonality(acfDay, acfWeek, acfDay >= threshold, acfWeek >= threshold, profile);
    trendPerDay = trend(profile == Seasonality.Profile.WEEKLY ? 7 : 1);
  }

  /** Theil-Sen slope of whole-day means (newest day last), relative to their median. */
  private double trend(int lagMultiple) {
    int days = count / perDay;
    if (days < 2) {
      return 0;
    }
    double[] means = new double[days];
    for (int d = 0; d < days; d++) {
      long end = newest - (long) (days - 1 - d) * perDay;
      double sum = 0;
      int n = 0;
      for (long s = end - perDay + 1; s <= end; s++) {
        double v = cleanAt(s);
        if (!Double.isNaN(v)) {
          sum += v;
          n++;
        }
      }
      means[d] = n < perDay / 2 ? Double.NaN : sum / n;
    }
    double slope = Robust.theilSen(means, days, lagMultiple);
    double[] copy = means.clone();
    int k = 0;
    for (double v : copy) {
      if (!Double.isNaN(v)) {
        copy[k++] = v;
      }
    }
    double median = Robust.medianInPlace(copy, k);
    if (Double.isNaN(slope) || !(median > 0)) {
      return 0;
    }
    return Math.max(-0.5, Math.min(0.5, slope / median));
  }
}
