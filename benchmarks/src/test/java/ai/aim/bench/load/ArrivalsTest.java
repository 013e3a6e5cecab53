package ai.aim.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.aim.proxy.admission.Priority;
import java.util.List;
import org.junit.jupiter.api.Test;

class ArrivalsTest {

  @Test
  void burstsAddTheirRequestsAtEachPeriodInTimeOrderWithThePoissonOnes() {
    List<PlannedRequest> base = Arrivals.poisson(10, 3_000_000_000L, 1000, new double[] {100, 0, 0},
        List.of(), 16, 1, 7);
    List<PlannedRequest> plan = Arrivals.withBursts(base,
        List.of(Arrivals.Burst.parse("5:1000:low"), Arrivals.Burst.parse("2:1000:high:50")),
        3_000_000_000L, 16, 1);
    assertThat(plan).hasSize(base.size() + 3 * 5 + 3 * 2);
    assertThat(plan).isSortedAccordingTo(java.util.Comparator.comparingLong(PlannedRequest::offsetNanos));
    assertThat(plan.stream().filter(r -> r.priority() == Priority.LOW).map(PlannedRequest::offsetNanos)
        .distinct().toList()).containsExactly(0L, 1_000_000_000L, 2_000_000_000L);
    assertThat(plan.stream().filter(r -> r.offsetNanos() == 50_000_000L).count()).isEqualTo(2);
  }

  @Test
  void aBurstSpecThatDoesNotParseSaysWhatWasExpected() {
    assertThatThrownBy(() -> Arrivals.Burst.parse("30:2000:urgent"))
        .hasMessage("--burst: '30:2000:urgent' (expected: COUNT:PERIOD_MS:high|medium|low[:OFFSET_MS])");
    assertThatThrownBy(() -> Arrivals.Burst.parse("0:2000:low")).hasMessageContaining("count >= 1");
  }
}
