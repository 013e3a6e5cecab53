package ai.aim.bench.demo;

import ai.aim.bench.load.Arrivals;
import ai.aim.bench.load.ClassStats;
import ai.aim.bench.load.LoadResult;
import ai.aim.bench.load.LoadRun;
import ai.aim.bench.load.PlannedRequest;
import ai.aim.proxy.ProxyServer;
import ai.aim.proxy.admission.AdmissionConfigParser;
import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.admission.AdmissionSnapshot;
import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.config.AdminConfig;
import ai.aim.proxy.config.HttpConfig;
import ai.aim.proxy.config.ProxyConfig;
import ai.aim.proxy.http.CoreAdmission;
import ai.aim.sim.ModelSim;
import ai.aim.sim.SimConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The demo's second part: model-sim (4 slots x 40 ms = 100 requests/s) behind the sidecar with
 * the admission core, offered three times its capacity with a 10/30/60 HIGH/MEDIUM/LOW mix, one
 * table row per class each second (offered, admitted and shed per second from the admission
 * core's own counters, queue depth, p50 and p99 of the answers of that second), then the totals.
 * A few seconds below capacity go first, not shown, so the JVM's warm-up does not pass for
 * queueing. Everything in-process on free loopback ports; about 25 s in all.
 */
final class OverloadDemo {

  static final String MODEL = "demo";
  static final int SLOTS = 4;
  static final double SERVICE_MS = 40;

  private static final String ADMISSION = """
      {"maxInflight": 4,
       "priorities": {"high": {"maxQueue": 256, "maxQueueWaitMs": 5000},
                      "medium": {"maxQueue": 32, "maxQueueWaitMs": 1000},
                      "low": {"maxQueue": 8, "maxQueueWaitMs": 500}}}""";

  private OverloadDemo() {}

  static void run(PrintStream out, double seconds) throws Exception {
    ObjectMapper json = new ObjectMapper();
    JsonNode models = json.readTree("{\"" + MODEL + "\": {}}");
    SimConfig simConfig = SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(-1).model(MODEL)
        .slots(SLOTS).serviceMs(SERVICE_MS).maxQueue(1024).eventLoops(1).build();
    double capacity = SLOTS * 1000 / SERVICE_MS;
    try (ModelSim sim = ModelSim.start(simConfig)) {
      AdmissionController admission = AdmissionController.start(
          AdmissionConfigParser.parse(json.readTree(ADMISSION), models), System::nanoTime);
      ProxyConfig config = ProxyConfig.defaults()
          .withHttp(HttpConfig.defaults().withBind("127.0.0.1").withPort(0))
          .withAdmin(AdminConfig.defaults().withBind("127.0.0.1").withPort(0))
          .withUpstream(ProxyConfig.defaults().upstream().withHttp(URI.create(sim.httpBaseUrl())))
          .withDrainTimeout(Duration.ofSeconds(2))
          .withModels(models);
      try (ProxyServer sidecar = ProxyServer.builder(config)
          .admission(new CoreAdmission(admission)).clock(System::nanoTime).start()) {
        LoadRun.Options options = new LoadRun.Options(
            URI.create("http://127.0.0.1:" + sidecar.httpPort()), MODEL, Duration.ofSeconds(10), "sidecar");
        out.println();
        out.printf("warming up: %.0f s at %.0f req/s (below capacity, not shown)%n", WARMUP_SECONDS,
            0.6 * capacity);
        new LoadRun(options, Arrivals.poisson(0.6 * capacity, (long) (WARMUP_SECONDS * 1e9), 100_000,
            new double[] {10, 30, 60}, List.of(), 16, 1, 3)).run(null);
        List<PlannedRequest> plan = Arrivals.poisson(3 * capacity, (long) (seconds * 1e9), 100_000,
            new double[] {10, 30, 60}, List.of(), 16, 1, 7);
        out.printf("overload: model-sim %d slots x %.0f ms (%.0f req/s) behind the sidecar (maxInflight %d), "
            + "offered %.0f req/s for %.0f s, HIGH/MEDIUM/LOW 10/30/60%n", SLOTS, SERVICE_MS, capacity, SLOTS,
            3 * capacity, seconds);
        Table table = new Table(out, admission);
        LoadResult result = new LoadRun(options, plan).run(table::tick);
        out.println();
        out.printf("summary: goodput %.1f req/s of %.0f capacity (%.0f %%)%n", result.goodputRps(), capacity,
            100 * result.goodputRps() / capacity);
        out.printf("%-7s %7s %7s %7s %6s %9s %9s %12s%n", "class", "sent", "ok", "429", "errors", "p50 ms",
            "p99 ms", "429 p99 ms");
        for (Priority p : Priority.values()) {
          LoadResult.Group g = result.priorities().get(p.label());
          out.printf("%-7s %7d %7d %7d %6d %9s %9s %12s%n", p.label(), g.sent(), g.ok(), g.shed(),
              g.errors(), ms(g.okP50()), ms(g.okP99()), ms(g.shedP99()));
        }
        out.println("(latencies from each request's intended send time, so queueing in the client counts too)");
        LoadResult.Group high = result.priorities().get(Priority.HIGH.label());
        LoadResult.Group low = result.priorities().get(Priority.LOW.label());
        out.printf("admission at work: HIGH %d of %d served, none shed (p99 %s ms for a %.0f ms service time); "
            + "LOW %d of %d refused with 429 and Retry-After (on arrival, or after at most 500 ms queued) "
            + "instead of queueing without bound%n",
            high.ok(), high.sent(), ms(high.okP99()), SERVICE_MS, low.shed(), low.sent());
      } finally {
        admission.close();
      }
    }
  }

  static final double WARMUP_SECONDS = 4;

  private static String ms(double v) {
    return Double.isNaN(v) ? "-" : String.format("%.1f", v);
  }

  /** Prints one block per second; on a terminal the block is redrawn in place. */
  private static final class Table {
    private final PrintStream out;
    private final AdmissionController admission;
    private final boolean redraw = System.console() != null;
    private final Map<Priority, long[]> last = new EnumMap<>(Priority.class);
    private boolean drawn;

    Table(PrintStream out, AdmissionController admission) {
      this.out = out;
      this.admission = admission;
      // The core's counters include the warm-up: start from where they stand now.
      AdmissionSnapshot.Model m = fresh(admission).models().get(MODEL);
      for (Priority p : Priority.values()) {
        last.put(p, new long[] {0, m == null ? 0 : m.of(p).admitted(), m == null ? 0 : m.of(p).shed()});
      }
    }

    private static AdmissionSnapshot fresh(AdmissionController admission) {
      try {
        return admission.refreshSnapshot().get(500, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        return admission.snapshot();
      }
    }

    void tick(LoadRun.Tick t) {
      AdmissionSnapshot.Model m = fresh(admission).models().get(MODEL);
      StringBuilder sb = new StringBuilder();
      if (drawn && redraw) {
        sb.append("\033[").append(Priority.values().length + 1).append('A');
      }
      sb.append(String.format("t=%3ds in flight %4d | %-6s %9s %10s %7s %6s %9s %9s%n", t.second(), t.inFlight(),
          "class", "offered/s", "admitted/s", "shed/s", "queue", "p50 ms", "p99 ms"));
      for (Priority p : Priority.values()) {
        ClassStats s = t.stats().get(p);
        long[] prev = last.get(p);
        long sent = s.sent();
        // Admitted and shed as the admission core counts them (dispatches, refusals of any reason).
        long admitted = m == null ? 0 : m.of(p).admitted();
        long shed = m == null ? 0 : m.of(p).shed();
        int queue = m == null ? 0 : m.of(p).queueDepth();
        sb.append(String.format("%24s %-6s %9d %10d %7d %6d %9s %9s%n", "", p.label(), sent - prev[0],
            admitted - prev[1], shed - prev[2], queue, ms(s.intervalOkMillis(50)), ms(s.intervalOkMillis(99))));
        prev[0] = sent;
        prev[1] = admitted;
        prev[2] = shed;
      }

      out.print(sb);
      out.flush();
      drawn = true;
    }
  }
}
