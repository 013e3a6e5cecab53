package ai.aim.scheduler.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Seven weeks of the NAB NYC taxi series (2014-10-13 to 2014-11-30, half-hourly, MIT licence),
 * copied from {@code ../shared/data/nab-nyc-taxi.csv}: the forecaster on real data.
 */
class NycTaxiSliceTest {

  private static final int WEEK = 336;

  private record Point(long epochSecond, double value) {}

  private static List<Point> load() throws Exception {
    DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    List<Point> out = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                Objects.requireNonNull(
                    NycTaxiSliceTest.class.getResourceAsStream(
                        "/forecast/nyc-taxi-2014-10-13..2014-11-30.csv")),
                StandardCharsets.UTF_8))) {
      r.readLine();
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String[] p = line.split(",");
        out.add(
            new Point(
                LocalDateTime.parse(p[0], f).toEpochSecond(ZoneOffset.UTC),
                Double.parseDouble(p[1])));
      }
    }
    return out;
  }

  private static ForecastConfig config() {
    return ForecastConfig.defaults()
        .withStep(Duration.ofMinutes(30), 4 * WEEK)
        .withHorizon(Duration.ofMinutes(15))
        .withRecomputeInterval(Duration.ZERO)
        .withSpikeZ(4.5);
  }

  @Test
  void oneStepForecastBeatsTheWeekNaiveBaselineWalkingForward() throws Exception {
    List<Point> s = load();
    ArrivalForecaster f = new ArrivalForecaster(config());
    double modelError = 0;
    double naiveError = 0;
    for (int t = 0; t + 1 < s.size(); t++) {
      f.recordStep(s.get(t).epochSecond(), s.get(t).value());
      double forecast = f.forecast(s.get(t).epochSecond() + 1800).orElseThrow().rate();
      int target = t + 1;
      if (target >= 2 * WEEK) {
        double y = s.get(target).value();
        modelError += Math.abs(y - forecast);
        naiveError += Math.abs(y - s.get(target - WEEK).value());
      }
    }
    assertThat(modelError / naiveError).isLessThan(0.8);
    assertThat(f.seasonality().weekly()).isTrue();
    assertThat(f.seasonality().daily()).isTrue();
  }

  @Test
  void thanksgivingIsFlaggedAsASpike() throws Exception {
    List<Point> s = load();
    ArrivalForecaster f = new ArrivalForecaster(config());
    long windowStart = LocalDateTime.of(2014, 11, 25, 12, 0).toEpochSecond(ZoneOffset.UTC);
    long windowEnd = LocalDateTime.of(2014, 11, 29, 19, 0).toEpochSecond(ZoneOffset.UTC);
    int longestRunInWindow = 0;
    int run = 0;
    for (Point p : s) {
      StepObservation o = f.recordStep(p.epochSecond(), p.value());
      run = o.spike() ? run + 1 : 0;
      if (p.epochSecond() >= windowStart && p.epochSecond() <= windowEnd) {
        longestRunInWindow = Math.max(longestRunInWindow, run);
      }
    }
    assertThat(longestRunInWindow).isGreaterThanOrEqualTo(3);
  }
}
