package ai.aim.scheduler.forecast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.Random;
import java.util.function.LongToDoubleFunction;
import org.junit.jupiter.api.Test;

class ArrivalForecasterTest {

  private static final long STEP = 1800;
  private static final int PER_DAY = 48;
  private static final int PER_WEEK = 7 * PER_DAY;
  /** A Monday, 00:00 UTC. */
  private static final long MONDAY = LocalDate.of(2024, 1, 1).atStartOfDay().toEpochSecond(ZoneOffset.UTC);

  private static ForecastConfig config() {
    return ForecastConfig.defaults()
        .withStep(Duration.ofSeconds(STEP), 4 * PER_WEEK)
        .withHorizon(Duration.ofMinutes(15))
        .withRecomputeInterval(Duration.ZERO);
  }

  /** Daily sine between 20 and 180, weekends at 40 %. */
  private static double weekly(long t) {
    double day = 100 + 80 * Math.sin(2 * Math.PI * (t % 86400) / 86400.0);
    long dow = Math.floorMod((t - MONDAY) / 86400, 7);
    return dow >= 5 ? 0.4 * day : day;
  }

  private static double daily(long t) {
    return 100 + 80 * Math.sin(2 * Math.PI * (t % 86400) / 86400.0);
  }

  private static ArrivalForecaster fed(ForecastConfig cfg, int steps, LongToDoubleFunction f) {
    ArrivalForecaster fc = new ArrivalForecaster(cfg);
    for (int i = 0; i < steps; i++) {
      long t = MONDAY + i * STEP;
      fc.recordStep(t, f.applyAsDouble(t));
    }
    return fc;
  }

  @Test
  void forecastOfAPerfectlyPeriodicSeriesIsExact() {
    ArrivalForecaster fc = fed(config(), 3 * PER_WEEK, ArrivalForecasterTest::weekly);
    for (int i = 3 * PER_WEEK; i < 4 * PER_WEEK; i++) {
      long t = MONDAY + i * STEP;
      Forecast f = fc.forecast(t).orElseThrow();
      assertThat(f.targetEpochSecond()).isEqualTo(t);
      assertThat(f.horizonSteps()).isEqualTo(1);
      assertThat(f.rate()).isCloseTo(weekly(t), within(1e-3 * weekly(t) + 1e-6));
      fc.recordStep(t, weekly(t));
    }
    assertThat(fc.seasonality().profile()).isEqualTo(Seasonality.Profile.WEEKLY);
  }

  @Test
  void dailyAndWeeklyCyclesAreDetectedByAutocorrelation() {
    Seasonality daily = fed(config(), 3 * PER_WEEK, ArrivalForecasterTest::daily).seasonality();
    assertThat(daily.acfDay()).isGreaterThan(0.9);
    assertThat(daily.daily()).isTrue();
    assertThat(daily.profile()).isIn(Seasonality.Profile.DAILY, Seasonality.Profile.WEEKLY);

    Seasonality weekly = fed(config(), 3 * PER_WEEK, ArrivalForecasterTest::weekly).seasonality();
    assertThat(weekly.weekly()).isTrue();
    assertThat(weekly.acfWeek()).isGreaterThan(weekly.acfDay());
    assertThat(weekly.profile()).isEqualTo(Seasonality.Profile.WEEKLY);

    Random random = new Random(7);
    Seasonality noise =
        fed(config(), 3 * PER_WEEK, t -> 50 + 10 * random.nextGaussian()).seasonality();
    assertThat(noise.daily()).isFalse();
    assertThat(noise.weekly()).isFalse();
    assertThat(noise.profile()).isEqualTo(Seasonality.Profile.FLAT);
  }

  @Test
  void aSpikeIsDetectedAndDoesNotMoveTheSeasonalProfile() {
    Random random = new Random(42);
    double[] noise = new double[4 * PER_WEEK];
    for (int i = 0; i < noise.length; i++) {
      noise[i] = 1 + 0.02 * random.nextGaussian();
    }
    // Daily sine, +0.5 % per day trend, 2 % noise.
    LongToDoubleFunction base =
        t -> daily(t) * (1 + 0.005 * (t - MONDAY) / 86400.0) * noise[(int) ((t - MONDAY) / STEP)];
    int spikeAt = 2 * PER_WEEK + 20;
    long spikeTime = MONDAY + spikeAt * STEP;

    ArrivalForecaster clean = fed(config(), spikeAt + 1, base);
    ArrivalForecaster spiked = new ArrivalForecaster(config());
    StepObservation atSpike = null;
    for (int i = 0; i <= spikeAt; i++) {
      long t = MONDAY + i * STEP;
      double v = base.applyAsDouble(t) * (i == spikeAt ? 6 : 1);
      StepObservation o = spiked.recordStep(t, v);
      if (i == spikeAt) {
        atSpike = o;
      } else if (i > 2 * PER_DAY) {
        assertThat(o.spike()).as("step %d is not a spike", i).isFalse();
      }
    }

    assertThat(atSpike.spike()).isTrue();
    assertThat(atSpike.z()).isGreaterThan(10);
    assertThat(atSpike.cleaned()).isLessThan(atSpike.rate() / 3);
    // The profile for the same phase next week and tomorrow is what it would be without the spike.
    for (long later : new long[] {spikeTime + 86400, spikeTime + 7 * 86400}) {
      double withSpike = spiked.seasonalProfileAt(later);
      double without = clean.seasonalProfileAt(later);
      assertThat(withSpike).isCloseTo(without, within(0.1 * without));
    }
    assertThat(spiked.forecast(spikeTime + STEP).orElseThrow().spike()).isTrue();
  }

  @Test
  void aRobustTrendIsFound() {
    ArrivalForecaster fc =
        fed(config(), 3 * PER_WEEK, t -> weekly(t) * (1 + 0.02 * (t - MONDAY) / 86400.0));
    Forecast f = fc.forecast(MONDAY + 3 * PER_WEEK * STEP).orElseThrow();
    // 2 % of the day-0 level per day is about 1.4 % of the mean level over three weeks.
    assertThat(f.trendPerDay()).isBetween(0.01, 0.025);
  }

  @Test
  void withLessThanAWeekMondayIsPredictedFromTheLastBusinessDayNotFromSunday() {
    BusinessHours hours =
        new BusinessHours(
            ZoneOffset.UTC,
            EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
            LocalTime.of(8, 0),
            LocalTime.of(18, 0));
    ArrivalForecaster fc = fed(config().withBusinessHours(hours), PER_WEEK, ArrivalForecasterTest::weekly);
    long mondayTen = MONDAY + 7 * 86400 + 10 * 3600;
    // Feed Monday up to 09:30.
    for (long t = MONDAY + 7 * 86400; t < mondayTen; t += STEP) {
      fc.recordStep(t, weekly(t));
    }
    assertThat(fc.seasonality().profile()).isEqualTo(Seasonality.Profile.DAILY);
    Forecast f = fc.forecast(mondayTen).orElseThrow();
    assertThat(f.businessHours()).isTrue();
    assertThat(f.rate()).isCloseTo(weekly(mondayTen), within(0.05 * weekly(mondayTen)));
    assertThat(fc.forecast(mondayTen + 12 * 3600).orElseThrow().businessHours()).isFalse();
  }

  @Test
  void aForecastIsReusedWithinTheRecomputeIntervalAndRecomputedAfterIt() {
    ArrivalForecaster fc =
        fed(config().withRecomputeInterval(Duration.ofSeconds(30)), PER_DAY, ArrivalForecasterTest::daily);
    long now = MONDAY + PER_DAY * STEP + 5;
    Forecast first = fc.forecast(now).orElseThrow();
    assertThat(fc.forecast(now + 29).orElseThrow()).isSameAs(first);
    Forecast later = fc.forecast(now + 30).orElseThrow();
    assertThat(later).isNotSameAs(first);
    assertThat(later.computedAtEpochSecond()).isEqualTo(now + 30);
  }

  @Test
  void historyIsBoundedByTheRingCapacity() {
    ForecastConfig cfg = config().withStep(Duration.ofSeconds(STEP), 2 * PER_DAY);
    ArrivalForecaster fc = fed(cfg, 5 * PER_DAY, ArrivalForecasterTest::daily);
    assertThat(fc.size()).isEqualTo(2 * PER_DAY);
  }

  @Test
  void liveSamplesAreAveragedPerStep() {
    ArrivalForecaster fc = new ArrivalForecaster(config());
    assertThat(fc.forecast(MONDAY)).isEmpty();
    fc.sample(MONDAY, 10);
    fc.sample(MONDAY + 100, 30);
    assertThat(fc.size()).isZero();
    fc.sample(MONDAY + STEP, 0);
    assertThat(fc.size()).isEqualTo(1);
    assertThat(fc.forecast(MONDAY + STEP).orElseThrow().rate()).isCloseTo(20, within(1e-6));
  }

  @Test
  void invalidInputIsRefusedWithAClearMessage() {
    ArrivalForecaster fc = new ArrivalForecaster(config());
    assertThatThrownBy(() -> fc.recordStep(MONDAY, -1))
        .hasMessage("rate: -1.0 (expected: finite, >= 0)");
    fc.recordStep(MONDAY, 1);
    assertThatThrownBy(() -> fc.recordStep(MONDAY, 1)).hasMessageContaining("expected: after");
    assertThatThrownBy(() -> config().withStep(Duration.ofSeconds(7), 100000))
        .hasMessageContaining("step: PT7S (expected: at least 1s and a divisor of one day)");
  }
}
