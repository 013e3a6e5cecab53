package ai.aim.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.ProxyServer;
import ai.aim.proxy.admission.AdmissionConfigParser;
import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.config.AdminConfig;
import ai.aim.proxy.config.HttpConfig;
import ai.aim.proxy.config.ProxyConfig;
import ai.aim.proxy.http.CoreAdmission;
import ai.aim.sim.ModelSim;
import ai.aim.sim.SimConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class LoadRunTest {

  private static final String MODEL = "demo";

  @Test
  void everyRequestIsAccountedForOncePerPriorityAndCorrectedLatencyIsNeverBelowRaw() throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode models = json.readTree("{\"demo\": {}}");
    JsonNode admissionYaml = json.readTree("""
        {"maxInflight": 2,
         "priorities": {"high": {"maxQueue": 64}, "medium": {"maxQueue": 4, "maxQueueWaitMs": 200},
                        "low": {"maxQueue": 2, "maxQueueWaitMs": 100}}}""");
    // 2 slots x 20 ms = 100 requests/s; offered 250/s for 2 s: LOW and MEDIUM must be shed.
    try (ModelSim sim = ModelSim.start(SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(-1)
        .model(MODEL).slots(2).serviceMs(20).eventLoops(1).build())) {
      AdmissionController admission = AdmissionController.start(
          AdmissionConfigParser.parse(admissionYaml, models), System::nanoTime);
      ProxyConfig config = ProxyConfig.defaults()
          .withHttp(HttpConfig.defaults().withBind("127.0.0.1").withPort(0))
          .withAdmin(AdminConfig.defaults().withBind("127.0.0.1").withPort(0))
          .withUpstream(ProxyConfig.defaults().upstream().withHttp(URI.create(sim.httpBaseUrl())))
          .withDrainTimeout(Duration.ofSeconds(1))
          .withModels(models);
      try (ProxyServer sidecar = ProxyServer.builder(config)
          .admission(new CoreAdmission(admission)).clock(System::nanoTime).start()) {
        List<PlannedRequest> plan = Arrivals.poisson(250, 2_000_000_000L, 10_000,
            new double[] {10, 30, 60}, List.of(TenantSpec.parse("a:1:16"), TenantSpec.parse("b:1:64")), 16, 1, 3);
        AtomicInteger ticks = new AtomicInteger();
        LoadResult r = new LoadRun(new LoadRun.Options(URI.create("http://127.0.0.1:" + sidecar.httpPort()),
            MODEL, Duration.ofSeconds(10), "sidecar"), plan).run(t -> ticks.incrementAndGet());

        long sent = 0;
        for (LoadResult.Group g : r.priorities().values()) {
          assertThat(g.sent()).isEqualTo(g.ok() + g.shed() + g.errors());
          sent += g.sent();
          if (g.ok() > 0) {
            assertThat(g.okP50()).isGreaterThanOrEqualTo(g.rawOkP50());
            assertThat(g.okP99()).isGreaterThanOrEqualTo(g.rawOkP99());
          }
          if (g.shed() > 0) {
            assertThat(g.shedP99()).isGreaterThanOrEqualTo(g.rawShedP99());
          }
          assertThat(g.shedByReason().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(g.shed());
          assertThat(g.shedByReason().getOrDefault("queue_timeout", 0L)).isEqualTo(g.shedAfterWait());
        }
        assertThat(sent).isEqualTo(plan.size());
        for (var p : ai.aim.proxy.admission.Priority.values()) {
          assertThat(r.priorities().get(p.label()).sent())
              .isEqualTo(plan.stream().filter(q -> q.priority() == p).count());
        }
        long tenantSent = r.tenants().values().stream().mapToLong(LoadResult.Group::sent).sum();
        assertThat(tenantSent).isEqualTo(plan.size());
        assertThat(r.priorities().get("low").shed()).as("LOW shed at 2.5x capacity").isPositive();
        assertThat(r.priorities().get("low").shedByReason().keySet()).as("the sidecar's reasons, none unknown")
            .isNotEmpty().isSubsetOf("queue_full", "queue_timeout", "outranked");
        assertThat(r.priorities().get("high").ok()).isPositive();
        long timelineOk = r.timeline().stream().mapToLong(s -> s.ok()[0] + s.ok()[1] + s.ok()[2]).sum();
        long totalOk = r.priorities().values().stream().mapToLong(LoadResult.Group::ok).sum();
        assertThat(timelineOk).isEqualTo(totalOk);
        assertThat(ticks.get()).isPositive();
      } finally {
        admission.close();
      }
    }
  }

  @Test
  void aShedAnswersReasonIsReadFromItsBodyAndAnythingElseIsUnknown() {
    assertThat(LoadRun.reasonOf("{\"error\":\"shed\",\"reason\":\"engine_saturated\",\"priority\":\"low\"}"))
        .isEqualTo("engine_saturated");
    assertThat(LoadRun.reasonOf("{\"error\":\"shed\"}")).isEqualTo("unknown");
    assertThat(LoadRun.reasonOf("{\"reason\":7}")).isEqualTo("unknown");
    assertThat(LoadRun.reasonOf("Too Many Requests")).isEqualTo("unknown");
    assertThat(LoadRun.reasonOf("")).isEqualTo("unknown");
  }

  @Test
  void poissonPlansKeepTheirBoundsAndMix() {
    List<PlannedRequest> plan = Arrivals.poisson(1000, 5_000_000_000L, 3000,
        new double[] {10, 30, 60}, List.of(), 16, 1, 1);
    assertThat(plan).hasSize(3000);
    assertThat(plan).isSortedAccordingTo(java.util.Comparator.comparingLong(PlannedRequest::offsetNanos));
    long high = plan.stream().filter(p -> p.priority() == ai.aim.proxy.admission.Priority.HIGH).count();
    assertThat(high).isBetween(200L, 400L);
  }

  @Test
  void aTraceIsReplayedScaledInTimeWithItsTokenCounts() throws Exception {
    java.nio.file.Path csv = java.nio.file.Path.of(getClass().getResource("/load/azure-conv-head50.csv").toURI());
    List<PlannedRequest> once = Arrivals.trace(csv, 1, Long.MAX_VALUE, 1000, new double[] {1, 1, 1}, 100_000, 1);
    List<PlannedRequest> twice = Arrivals.trace(csv, 2, Long.MAX_VALUE, 1000, new double[] {1, 1, 1}, 100_000, 1);
    assertThat(once).hasSize(50);
    assertThat(once.get(0).offsetNanos()).isZero();
    // 2023-11-16 18:15:46.6805900 then 18:15:50.9951690, 374+44 then 396+109 tokens
    assertThat(once.get(1).offsetNanos()).isEqualTo(4_314_579_000L);
    assertThat(twice.get(1).offsetNanos()).isEqualTo(4_314_579_000L / 2);
    assertThat(once.get(0).promptTokens()).isEqualTo(374);
    assertThat(once.get(0).maxTokens()).isEqualTo(44);
    assertThat(once.get(1).tokens()).isEqualTo(396 + 109);
  }
}
