package ai.aim.proxy.admission;

import static ai.aim.proxy.admission.Priority.HIGH;
import static ai.aim.proxy.admission.Priority.LOW;
import static ai.aim.proxy.admission.Priority.MEDIUM;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code admission.upstreamHoldMs}: requests wait while the model server starts, then go or get 503. */
class UpstreamHoldTest {
  private static final long MS = 1_000_000L;
  private long now = 5_000 * MS;
  private long nextTicket;
  private final Recorder rec = new Recorder();
  private AdmissionCore core;

  private void start(long holdMs) {
    AdmissionConfig d = AdmissionConfig.of(Policies.policy(4, 0, SchedulingMode.STRICT, 100, 1_000), Map.of());
    core = new AdmissionCore(new AdmissionConfig(d.defaults(), d.models(), d.ringSize(), d.tickMillis(),
        d.snapshotIntervalMillis(), d.rateWindowMillis(), d.rateAlpha(), holdMs), now);
  }

  private long arrive(Priority p) {
    long t = nextTicket++;
    core.arrive(t, "m", p, AdmissionController.NO_DEADLINE, null, 1, rec, now, now);
    return t;
  }

  @Test
  void whileTheModelServerStartsRequestsWaitAndThenGoInPriorityOrder() {
    start(30_000);
    core.upstreamReady(false, now);
    long low = arrive(LOW);
    long medium = arrive(MEDIUM);
    long high = arrive(HIGH);
    now += 10_000 * MS; // longer than every class's own queue wait: the hold replaces it
    core.tick(now);
    assertThat(rec.admitOrder).isEmpty();
    assertThat(rec.rejected).isEmpty();
    core.upstreamReady(true, now);
    assertThat(rec.admitOrder).containsExactly(high, medium, low);
  }

  @Test
  void aModelServerThatStaysDownPastTheHoldGets503WithRetryAfter() {
    start(2_000);
    core.upstreamReady(false, now);
    long a = arrive(HIGH);
    now += 1_000 * MS;
    long b = arrive(LOW);
    now += 1_000 * MS;
    core.tick(now);
    assertThat(rec.rejected.get(a).reason()).isEqualTo(RejectReason.UPSTREAM_NOT_READY);
    assertThat(rec.rejected.get(a).httpStatus()).isEqualTo(503);
    assertThat(rec.rejected.get(a).retryAfterMillis()).isPositive();
    assertThat(rec.rejected).doesNotContainKey(b);
    now += 1_000 * MS;
    core.tick(now);
    assertThat(rec.rejected.get(b).reason()).isEqualTo(RejectReason.UPSTREAM_NOT_READY);
    assertThat(rec.admitOrder).isEmpty();
  }

  @Test
  void withoutAHoldReadinessChangesNothing() {
    start(0);
    core.upstreamReady(false, now);
    long a = arrive(LOW);
    assertThat(rec.admitOrder).containsExactly(a);
    assertThat(core.upstreamHeld()).isFalse();
  }

  @Test
  void aReloadThatTurnsTheHoldOffReleasesWhatWaits() {
    start(30_000);
    core.upstreamReady(false, now);
    long a = arrive(MEDIUM);
    assertThat(rec.admitOrder).isEmpty();
    core.reload(AdmissionConfig.of(Policies.policy(4, 0, SchedulingMode.STRICT, 100, 1_000), Map.of()), now);
    assertThat(rec.admitOrder).containsExactly(a);
  }
}
