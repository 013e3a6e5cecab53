package ai.aim.proxy.link;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.admission.AdmissionSnapshot;
import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.admission.RejectReason;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.slo.SloConfig;
import ai.aim.proxy.slo.SloTracker;
import ai.aim.rocm.SimulatedTelemetry;
import ai.aim.rocm.TelemetrySnapshot;
import ai.aim.scheduler.client.v1.LoadReport;
import ai.aim.scheduler.client.v1.ModelLoad;
import ai.aim.scheduler.client.v1.PartitionTelemetry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoadReportsTest {

  private static AdmissionSnapshot.Class cls(Priority p, int queued, double arrivals) {
    return new AdmissionSnapshot.Class(p, queued, 1, 4, 10, Map.of(RejectReason.QUEUE_FULL, 2L),
        arrivals, arrivals / 2, 0.5);
  }

  private static AdmissionSnapshot admission() {
    AdmissionSnapshot.Model m = new AdmissionSnapshot.Model("llama", 8, 0, 3, 250.0, false,
        List.of(cls(Priority.HIGH, 0, 4), cls(Priority.MEDIUM, 2, 2), cls(Priority.LOW, 5, 1)),
        AdmissionSnapshot.Engine.DISABLED, 0, 0);
    return new AdmissionSnapshot(0, Map.of("llama", m));
  }

  @Test
  void eachModelCarriesItsQueuesRatesLimitAndServiceTime() {
    LoadReport r = LoadReports.build(List.of("llama", "idle"), admission(), null, null, 1234);
    assertThat(r.getTimestampUnixMillis()).isEqualTo(1234);
    ModelLoad m = r.getModels(0);
    assertThat(m.getModel()).isEqualTo("llama");
    assertThat(m.getLimit()).isEqualTo(8);
    assertThat(m.getInFlight()).isEqualTo(3);
    assertThat(m.getServiceTimeSeconds()).isEqualTo(0.25);
    assertThat(m.getArrivalRate()).isEqualTo(7.0);
    assertThat(m.getAdmittedRate()).isEqualTo(3.5);
    assertThat(m.getShedRate()).isEqualTo(1.5);
    assertThat(m.getPrioritiesList()).extracting(p -> p.getQueued()).containsExactly(0, 2, 5);
    assertThat(m.getPriorities(2).getPriority())
        .isEqualTo(ai.aim.scheduler.client.v1.Priority.PRIORITY_LOW);
    ModelLoad idle = r.getModels(1);
    assertThat(idle.getModel()).isEqualTo("idle");
    assertThat(idle.getInFlight()).isZero();
    assertThat(idle.getPrioritiesCount()).isEqualTo(3);
    assertThat(r.getPartitionsCount()).isZero();
  }

  @Test
  void sloComplianceBurnAndLatencyComeFromTheTracker() throws Exception {
    AtomicLong nanos = new AtomicLong(1_000_000_000L);
    AtomicLong millis = new AtomicLong(1_700_000_000_000L);
    SloTracker t = new SloTracker(SloConfig.defaultConfig(), Set.of("llama"), nanos::get, millis::get);
    for (int i = 0; i < 100; i++) {
      t.onComplete("llama", Priority.HIGH, Outcome.OK, 0, 0, 0, (i < 50 ? 10 : 200) * 1_000_000L);
    }
    t.onComplete("llama", Priority.LOW, Outcome.SHED, 0, 0, 0, 1_000_000L);
    // Close enough 1 s intervals and 10 s slots for the 1 minute window to see them.
    for (int s = 0; s < 12; s++) {
      nanos.addAndGet(1_000_000_000L);
      millis.addAndGet(1_000);
      t.tick();
    }
    ModelLoad m = LoadReports.build(List.of("llama"), admission(), t.snapshot(), null, 0).getModels(0);
    assertThat(m.getLatencyP50Seconds()).isBetween(0.009, 0.011);
    assertThat(m.getLatencyP99Seconds()).isBetween(0.19, 0.21);
    assertThat(m.getSlosList()).anySatisfy(s -> {
      assertThat(s.getPriority()).isEqualTo(ai.aim.scheduler.client.v1.Priority.PRIORITY_LOW);
      assertThat(s.getWindow()).isEqualTo("1m");
      assertThat(s.getCompliance()).isZero();
      assertThat(s.getBurnRate()).isPositive();
    });
  }

  @Test
  void gpuPartitionsAreReportedWhenASourceRuns() {
    TelemetrySnapshot gpu;
    try (SimulatedTelemetry sim = SimulatedTelemetry.defaultTopology()) {
      gpu = sim.sample();
    }
    LoadReport r = LoadReports.build(List.of("llama"), admission(), null, gpu, 0);
    assertThat(r.getPartitionsCount()).isEqualTo((int) gpu.partitions().count()).isPositive();
    PartitionTelemetry p = r.getPartitions(0);
    assertThat(p.getGpuId()).isEqualTo("0");
    assertThat(p.getComputeMode()).isEqualTo("CPX");
    assertThat(p.getMemoryMode()).isEqualTo("NPS4");
    assertThat(p.getMemoryTotalBytes()).isPositive();
  }

  @Test
  void theIdentityComesFromTheDownwardApiVariables() {
    var id = SidecarLink.identity(List.of("llama"),
        Map.of("POD_NAME", "llama-0", "POD_NAMESPACE", "ml", "NODE_NAME", "gpu-7"));
    assertThat(id.pod()).isEqualTo("llama-0");
    assertThat(id.namespace()).isEqualTo("ml");
    assertThat(id.node()).isEqualTo("gpu-7");
    assertThat(id.models()).containsExactly("llama");
    assertThat(SidecarLink.identity(List.of(), Map.of("HOSTNAME", "h")).namespace())
        .isEqualTo("default");
  }
}
