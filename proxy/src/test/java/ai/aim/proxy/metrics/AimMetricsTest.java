package ai.aim.proxy.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.slo.SloConfig;
import ai.aim.proxy.slo.SloTracker;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The exposed names, types and labels are a contract: checked on a real scrape. */
class AimMetricsTest {
  private static final long MS = 1_000_000L;

  private final SloTracker tracker = new SloTracker(SloConfig.defaultConfig(), List.of("llama"));
  private final AimMetrics metrics =
      new AimMetrics(
          AimMetrics.newRegistry(),
          List.of(),
          new FixedAdmission(),
          model -> model.equals("llama") ? 8L << 30 : -1,
          tracker);

  @Test
  void exposesTheContractNamesWithTheirTypes() {
    String text = metrics.scrape();
    assertThat(text)
        .contains("# TYPE aim_model_request_latency_seconds histogram")
        .contains("# TYPE aim_model_requests_total counter")
        .contains("# TYPE aim_scheduler_queue_depth gauge")
        .contains("# TYPE aim_model_memory_bytes gauge")
        .contains("# TYPE aim_admission_admitted_total counter")
        .contains("# TYPE aim_admission_shed_total counter")
        .contains("# TYPE aim_admission_inflight gauge")
        .contains("# TYPE aim_admission_limit gauge")
        .contains("# TYPE aim_admission_high_overcommitted_total counter")
        .contains("# TYPE aim_admission_queue_wait_seconds histogram")
        .contains("# TYPE aim_upstream_errors_total counter")
        .contains("# TYPE aim_slo_compliance gauge")
        .contains("# TYPE aim_slo_burn_rate gauge")
        .contains("# TYPE aim_slo_objective gauge");
    assertThat(text.lines().filter(l -> l.startsWith("aim_")).map(l -> l.substring(0, l.indexOf('{') < 0 ? l.indexOf(' ') : l.indexOf('{'))).distinct())
        .allMatch(name -> name.startsWith("aim_"));
  }

  @Test
  void countsRequestsPerModelPriorityAndOutcomeAndFillsTheBuckets() {
    for (int i = 0; i < 3; i++) {
      metrics.onComplete("llama", Priority.HIGH, Outcome.OK, 2 * MS, 20 * MS, 5 * MS, 30 * MS);
    }
    metrics.onComplete("llama", Priority.LOW, Outcome.SHED, -1, -1, -1, MS / 2);
    metrics.onComplete("llama", Priority.MEDIUM, Outcome.UNAVAILABLE, MS, -1, -1, 3 * MS);
    metrics.onComplete("not-registered", Priority.HIGH, Outcome.OK, 0, 1, 1, 700 * MS);

    Map<String, Double> m = Exposition.parse(metrics.scrape());
    assertThat(m)
        .containsEntry("aim_model_requests_total{model=\"llama\",outcome=\"ok\",priority=\"high\"}", 3.0)
        .containsEntry("aim_model_requests_total{model=\"llama\",outcome=\"shed\",priority=\"low\"}", 1.0)
        .containsEntry("aim_model_requests_total{model=\"unknown\",outcome=\"ok\",priority=\"high\"}", 1.0)
        .containsEntry("aim_model_requests_total{model=\"llama\",outcome=\"ok\",priority=\"low\"}", 0.0)
        .containsEntry("aim_model_request_latency_seconds_bucket{model=\"llama\",outcome=\"ok\",priority=\"high\",le=\"0.02\"}", 0.0)
        .containsEntry("aim_model_request_latency_seconds_bucket{model=\"llama\",outcome=\"ok\",priority=\"high\",le=\"0.05\"}", 3.0)
        .containsEntry("aim_model_request_latency_seconds_bucket{model=\"llama\",outcome=\"ok\",priority=\"high\",le=\"+Inf\"}", 3.0)
        .containsEntry("aim_model_request_latency_seconds_count{model=\"llama\",outcome=\"ok\",priority=\"high\"}", 3.0)
        .containsEntry("aim_model_request_latency_seconds_bucket{model=\"llama\",outcome=\"shed\",priority=\"low\",le=\"0.001\"}", 1.0)
        .containsEntry("aim_model_request_latency_seconds_bucket{model=\"unknown\",outcome=\"ok\",priority=\"high\",le=\"0.5\"}", 0.0)
        .containsEntry("aim_model_request_latency_seconds_bucket{model=\"unknown\",outcome=\"ok\",priority=\"high\",le=\"1.0\"}", 1.0)
        .containsEntry("aim_admission_queue_wait_seconds_count{priority=\"high\"}", 4.0)
        .containsEntry("aim_admission_queue_wait_seconds_count{priority=\"low\"}", 0.0)
        .containsEntry("aim_upstream_errors_total{kind=\"unreachable\",model=\"llama\"}", 1.0)
        .containsEntry("aim_upstream_errors_total{kind=\"status\",model=\"llama\"}", 0.0)
        .containsEntry("aim_model_memory_bytes{model=\"llama\"}", (double) (8L << 30))
        .containsEntry("aim_scheduler_queue_depth{priority=\"low\"}", 7.0)
        .containsEntry("aim_admission_shed_total{priority=\"low\",reason=\"queue_full\"}", 50.0)
        .containsEntry("aim_admission_admitted_total{priority=\"high\"}", 300.0)
        .containsEntry("aim_admission_inflight", 4.0)
        .containsEntry("aim_admission_limit", 16.0)
        .containsEntry("aim_admission_high_overcommitted_total", 12.0)
        .containsEntry("aim_slo_objective{model=\"llama\",priority=\"high\",sli=\"availability\"}", 0.999);
    assertThat(m.get("aim_model_memory_bytes{model=\"unknown\"}")).isNaN();
    // Buckets are the documented ones, 1 ms to 120 s.
    assertThat(m.keySet().stream().filter(k -> k.startsWith("aim_model_request_latency_seconds_bucket{model=\"llama\",outcome=\"ok\",priority=\"high\"")))
        .hasSize(AimMetrics.LATENCY_BUCKETS.length + 1);
  }

  @Test
  void recordingARequestDoesNotAllocate() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    Priority[] priorities = Priority.values();
    Outcome[] outcomes = Outcome.values();
    // Warm up every path (the JIT must not be what we measure).
    for (int i = 0; i < 50_000; i++) {
      record(priorities, outcomes, i);
    }
    long before = threads.getThreadAllocatedBytes(thread);
    int requests = 20_000;
    for (int i = 0; i < requests; i++) {
      record(priorities, outcomes, i);
    }
    long allocated = threads.getThreadAllocatedBytes(thread) - before;
    // Less than one byte per request on average: a single object per request would be >= 16
    // bytes each. (The measurement itself and rare runtime events account for a few hundred.)
    assertThat(allocated).isLessThan(requests);
  }

  private void record(Priority[] priorities, Outcome[] outcomes, int i) {
    metrics.onComplete(
        (i & 1) == 0 ? "llama" : "someone-else",
        priorities[i % priorities.length],
        outcomes[i % outcomes.length],
        i * 1_000L,
        i * 10_000L,
        i * 5_000L,
        i * 20_000L);
  }

  /** Fixed admission numbers, as the admission core's snapshot would report them. */
  static final class FixedAdmission implements AdmissionGauges {
    @Override
    public long queueDepth(Priority priority) {
      return priority == Priority.LOW ? 7 : 0;
    }

    @Override
    public long inFlight() {
      return 4;
    }

    @Override
    public long limit() {
      return 16;
    }

    @Override
    public long highOvercommitted() {
      return 12;
    }

    @Override
    public long admitted(Priority priority) {
      return priority == Priority.HIGH ? 300 : 0;
    }

    @Override
    public long shed(Priority priority, ShedReason reason) {
      return priority == Priority.LOW && reason == ShedReason.QUEUE_FULL ? 50 : 0;
    }
  }
}
