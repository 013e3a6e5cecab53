package ai.aim.proxy.slo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Windows, compliance and burn rates against hand-computed values, on an injected clock. */
class SloTrackerTest {
  private static final long MS = 1_000_000L;
  private static final long S = 1_000_000_000L;
  private static final long WALL = 1_700_000_000_000L;

  private final AtomicLong now = new AtomicLong(5 * S);
  // HIGH: 99 % within 800 ms, 99.9 % available.
  private final SloTracker tracker =
      new SloTracker(
          new SloConfig(
              SloConfig.defaultConfig().defaults(),
              Map.of("llama", SloConfig.defaultConfig().defaults()),
              new SloConfig.BurnGuard(6, 20)),
          List.of("mistral"),
          now::get,
          () -> WALL);

  private void record(String model, Priority p, Outcome o, int count, long totalNanos) {
    for (int i = 0; i < count; i++) {
      tracker.onComplete(model, p, o, o.isSidecarError() ? -1 : MS, totalNanos / 2, totalNanos / 3, totalNanos);
    }
  }

  private void advanceAndTick(long seconds) {
    for (long i = 0; i < seconds; i++) {
      now.addAndGet(S);
      tracker.tick();
    }
  }

  private SloSnapshot.WindowStats window(String model, Priority p, Window w) {
    return tracker.snapshot().series().stream()
        .filter(s -> s.model().equals(model) && s.priority() == p)
        .findFirst()
        .orElseThrow()
        .windows()
        .get(w);
  }

  /** First 10 s: 95 fast, 3 slow, 2 shed. */
  private void firstSlot() {
    record("llama", Priority.HIGH, Outcome.OK, 95, 100 * MS);
    record("llama", Priority.HIGH, Outcome.OK, 3, 1000 * MS);
    record("llama", Priority.HIGH, Outcome.SHED, 2, MS);
    advanceAndTick(10);
  }

  @Test
  void aClosedSlotGivesCountsComplianceAndBurnRatesOfItsWindow() {
    firstSlot();

    SloSnapshot.WindowStats m1 = window("llama", Priority.HIGH, Window.ONE_MINUTE);
    assertThat(m1.startMillis()).isEqualTo(WALL);
    assertThat(m1.endMillis()).isEqualTo(WALL + 10_000);
    assertThat(m1.requests()).isEqualTo(100);
    assertThat(m1.good()).isEqualTo(95);
    assertThat(m1.slow()).isEqualTo(3);
    assertThat(m1.sidecarErrors()).isEqualTo(2);
    assertThat(m1.throughputRps()).isCloseTo(10.0, within(1e-9));
    // latency: 5 bad of 100 against 99 %: 0.05 / 0.01 = 5
    assertThat(m1.latency().compliance()).isCloseTo(0.95, within(1e-12));
    assertThat(m1.latency().burnRate()).isCloseTo(5.0, within(1e-9));
    assertThat(m1.latency().budgetRemaining()).isCloseTo(-4.0, within(1e-9));
    // availability: 2 bad of 100 against 99.9 %: 0.02 / 0.001 = 20
    assertThat(m1.availability().compliance()).isCloseTo(0.98, within(1e-12));
    assertThat(m1.availability().burnRate()).isCloseTo(20.0, within(1e-9));
    assertThat(m1.burnRate()).isCloseTo(20.0, within(1e-9));
    assertThat(tracker.burnRate(tracker.models().indexOf("llama"), Priority.HIGH, Window.ONE_MINUTE, Sli.AVAILABILITY))
        .isCloseTo(20.0, within(1e-9));

    // No minute has closed yet: the hour is empty and burns nothing.
    SloSnapshot.WindowStats h1 = window("llama", Priority.HIGH, Window.ONE_HOUR);
    assertThat(h1.requests()).isZero();
    assertThat(h1.startMillis()).isEqualTo(h1.endMillis()).isEqualTo(WALL);
    assertThat(h1.burnRate()).isZero();
  }

  @Test
  void percentilesComeFromTheWindowsHistogramsWithinOnePercent() {
    firstSlot();

    SloSnapshot.Percentiles total = window("llama", Priority.HIGH, Window.ONE_MINUTE).percentiles().get(LatencyKind.TOTAL);
    assertThat(total.count()).isEqualTo(100);
    assertThat(total.p50()).isCloseTo(100, within(1.0));
    assertThat(total.p99()).isCloseTo(1000, within(10.0));
    assertThat(total.max()).isCloseTo(1000, within(10.0));
    // Shed requests had no queue phase: 98 queue samples of 1 ms.
    SloSnapshot.Percentiles queue = window("llama", Priority.HIGH, Window.ONE_MINUTE).percentiles().get(LatencyKind.QUEUE);
    assertThat(queue.count()).isEqualTo(98);
    assertThat(queue.p99()).isCloseTo(1.0, within(0.01));
  }

  @Test
  void windowsSlideSlotBySlotAndTheHourUsesMinuteSlots() {
    firstSlot(); // slot [0, 10 s)
    record("llama", Priority.HIGH, Outcome.OK, 100, 100 * MS);
    advanceAndTick(10); // slot [10, 20 s)

    SloSnapshot.WindowStats m1 = window("llama", Priority.HIGH, Window.ONE_MINUTE);
    assertThat(m1.requests()).isEqualTo(200);
    // latency: 5 bad of 200 -> 0.025 / 0.01 = 2.5; availability: 2 of 200 -> 0.01 / 0.001 = 10
    assertThat(m1.latency().burnRate()).isCloseTo(2.5, within(1e-9));
    assertThat(m1.availability().burnRate()).isCloseTo(10.0, within(1e-9));

    advanceAndTick(50); // now 70 s: the 1 minute window is [10 s, 70 s), the first slot left it
    m1 = window("llama", Priority.HIGH, Window.ONE_MINUTE);
    assertThat(m1.startMillis()).isEqualTo(WALL + 10_000);
    assertThat(m1.endMillis()).isEqualTo(WALL + 70_000);
    assertThat(m1.requests()).isEqualTo(100);
    assertThat(m1.good()).isEqualTo(100);
    assertThat(m1.burnRate()).isZero();
    assertThat(m1.percentiles().get(LatencyKind.TOTAL).max()).isCloseTo(100, within(1.0));

    SloSnapshot.WindowStats m5 = window("llama", Priority.HIGH, Window.FIVE_MINUTES);
    assertThat(m5.startMillis()).isEqualTo(WALL);
    assertThat(m5.requests()).isEqualTo(200);

    SloSnapshot.WindowStats h1 = window("llama", Priority.HIGH, Window.ONE_HOUR);
    assertThat(h1.startMillis()).isEqualTo(WALL);
    assertThat(h1.endMillis()).isEqualTo(WALL + 60_000);
    assertThat(h1.requests()).isEqualTo(200);
    assertThat(h1.availability().burnRate()).isCloseTo(10.0, within(1e-9));
    // The hour keeps the distribution of the total time only.
    assertThat(h1.percentiles()).containsOnlyKeys(LatencyKind.TOTAL);
    assertThat(h1.percentiles().get(LatencyKind.TOTAL).count()).isEqualTo(200);
    assertThat(h1.percentiles().get(LatencyKind.TOTAL).max()).isCloseTo(1000, within(10.0));

    advanceAndTick(240); // 310 s: the 5 minute window is [10 s, 310 s)
    m5 = window("llama", Priority.HIGH, Window.FIVE_MINUTES);
    assertThat(m5.startMillis()).isEqualTo(WALL + 10_000);
    assertThat(m5.requests()).isEqualTo(100);
  }

  @Test
  void dataRecordedMidSlotAppearsOnlyWhenTheSlotCloses() {
    now.addAndGet(5 * S);
    record("llama", Priority.LOW, Outcome.OK, 4, 10 * MS);
    tracker.tick(); // 5 s into the first slot
    assertThat(window("llama", Priority.LOW, Window.ONE_MINUTE).requests()).isZero();
    now.addAndGet(5 * S);
    tracker.tick(); // exactly at 10 s: the slot closes
    assertThat(window("llama", Priority.LOW, Window.ONE_MINUTE).requests()).isEqualTo(4);
  }

  @Test
  void aLongPauseEmptiesEveryWindow() {
    firstSlot();
    now.addAndGet(7200 * S);
    tracker.tick();
    for (Window w : Window.values()) {
      SloSnapshot.WindowStats ws = window("llama", Priority.HIGH, w);
      assertThat(ws.requests()).as(w.label()).isZero();
      assertThat(ws.endMillis() - ws.startMillis()).isEqualTo(w.seconds() * 1000L);
    }
  }

  @Test
  void unknownModelsFoldIntoOneSeriesAndExtraModelsGetTheDefaults() {
    record("mystery-1", Priority.MEDIUM, Outcome.OK, 3, 10 * MS);
    record("mystery-2", Priority.MEDIUM, Outcome.OK, 2, 10 * MS);
    record("mistral", Priority.MEDIUM, Outcome.OK, 1, 10 * MS);
    advanceAndTick(10);
    assertThat(window(SloConfig.UNKNOWN_MODEL, Priority.MEDIUM, Window.ONE_MINUTE).requests()).isEqualTo(5);
    assertThat(window("mistral", Priority.MEDIUM, Window.ONE_MINUTE).requests()).isEqualTo(1);
    assertThat(tracker.models().names()).containsExactly("llama", "mistral", "unknown");
  }

  @Test
  void highBurnsWhileBothShortWindowsBurnAboveTheGuardWithEnoughRequests() {
    firstSlot(); // availability burn 20 over 1 m and 5 m, 100 requests
    assertThat(tracker.highBurning("llama")).isTrue();
    assertThat(tracker.highBurning("mistral")).isFalse();

    record("llama", Priority.HIGH, Outcome.OK, 100, 100 * MS);
    advanceAndTick(60); // the 1 minute window holds only good requests now
    assertThat(tracker.highBurning("llama")).isFalse();
  }

  @Test
  void fewRequestsNeverCountAsBurning() {
    record("llama", Priority.HIGH, Outcome.SHED, 19, MS);
    advanceAndTick(10);
    assertThat(window("llama", Priority.HIGH, Window.FIVE_MINUTES).burnRate()).isGreaterThan(6);
    assertThat(tracker.highBurning("llama")).isFalse();
  }

  @Test
  void alertsFireWhenLongAndShortWindowsBothExceedTheirThreshold() {
    firstSlot();
    record("llama", Priority.HIGH, Outcome.OK, 100, 100 * MS);
    advanceAndTick(50); // 60 s: the hour holds 200 requests with availability burn 10
    List<SloSnapshot.Alert> alerts = series("llama", Priority.HIGH).alerts();
    assertThat(alerts).extracting(SloSnapshot.Alert::name).containsExactly("page", "ticket");
    assertThat(alerts.get(0).firing()).isFalse(); // 10 < 14.4
    assertThat(alerts.get(1).firing()).isTrue(); // 10 >= 6 over 1 h and over 5 m
  }

  private SloSnapshot.Series series(String model, Priority p) {
    return tracker.snapshot().series().stream()
        .filter(s -> s.model().equals(model) && s.priority() == p)
        .findFirst()
        .orElseThrow();
  }

  @Test
  void rendersSloJsonWithWindowsPercentilesAndTheRegisteredObjectives() throws Exception {
    firstSlot();
    JsonNode root = new ObjectMapper().readTree(tracker.sloJson());

    assertThat(root.get("slos")).hasSize(6); // defaults and llama, three priorities each
    assertThat(root.get("slos").get(3).get("model").asText()).isEqualTo("llama");
    JsonNode high = root.get("series").get(0);
    assertThat(high.get("model").asText()).isEqualTo("llama");
    assertThat(high.get("priority").asText()).isEqualTo("high");
    assertThat(high.at("/objective/latency/thresholdMs").asLong()).isEqualTo(800);
    JsonNode m1 = high.at("/windows/1m");
    assertThat(m1.get("start").asText()).isEqualTo("2023-11-14T22:13:20Z");
    assertThat(m1.get("end").asText()).isEqualTo("2023-11-14T22:13:30Z");
    assertThat(m1.get("requests").asLong()).isEqualTo(100);
    assertThat(m1.at("/availability/burnRate").asDouble()).isCloseTo(20.0, within(1e-9));
    assertThat(m1.at("/percentilesMs/total/p99.9").asDouble()).isCloseTo(1000, within(10.0));
    assertThat(high.get("windows").fieldNames()).toIterable().containsExactly("1m", "5m", "1h");
    assertThat(high.at("/alerts/0/longWindow").asText()).isEqualTo("1h");
  }

  @Test
  void estimatesItsMemory() {
    assertThat(tracker.footprintBytes()).isPositive();
  }
}
