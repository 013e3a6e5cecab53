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
 * table row per class each second, then the totals. Everything in-process on free loopback ports.
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
        List<PlannedRequest> plan = Arrivals.poisson(3 * capacity, (long) (seconds * 1e9), 100_000,
            new double[] {10, 30, 60}, List.of(), 16, 1, 7);
        out.println();
        out.printf("overload: model-sim %d slots x %.0f ms (%.0f req/s) behind the sidecar (maxInflight %d), "
            + "offered %.0f req/s for %.0f s, HIGH/MEDIUM/LOW 10/30/60%n", SLOTS, SERVICE_MS, capacity, SLOTS,
            3 * capacity, seconds);
        Table table = new Table(out, admission);
        LoadResult result = new LoadRun(new LoadRun.Options(URI.create("http://127.0.0.1:" + sidecar.httpPort()),
            MODEL, Duration.ofSeconds(10), "sidecar"), plan).run(table::tick);
        out.println();
        out.printf("summary: goodput %.1f req/s of %.0f capacity (%.0f %%)%n", result.goodputRps(), capacity,
            100 * result.goodputRps() / capacity);
        out.printf("%-7s %7s %7s %7s %6s %9s %9s %12s%n", "class", "sent", "ok", "429", "errors", "p50 ms",
            "p99 ms", "429 p99 ms");
        for (Priority p : Priority.values()) {
          LoadResult.Group g = result.priorities().get(p.label());
          out.printf("%-7s %7d %7d %7d %6d %9.1f %9.1f %12.2f%n", p.label(), g.sent(), g.ok(), g.shed(),
              g.errors(), g.okP50(), g.okP99(), g.shedP99());
        }
        out.println("(latencies from each request's intended send time, so queueing in the client counts too)");
      } finally {
        admission.close();
      }
    }
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
      for (Priority p : Priority.values()) {
        last.put(p, new long[3]);
      }
    }

    void tick(LoadRun.Tick t) {
      AdmissionSnapshot snap;
      try {
        snap = admission.refreshSnapshot().get(500, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        snap = admission.snapshot();
      }
      AdmissionSnapshot.Model m = snap.models().get(MODEL);
      StringBuilder sb = new StringBuilder();
      if (drawn && redraw) {
        sb.append("\033[").append(Priority.values().length + 1).append('A');
      }
      sb.append(String.format("t=%3ds in flight %4d | %-6s %9s %9s %7s %6s %9s %9s%n", t.second(), t.inFlight(),
          "class", "offered/s", "admitted", "429/s", "queue", "p50 ms", "p99 ms"));
      for (Priority p : Priority.values()) {
        ClassStats s = t.stats().get(p);
        long[] prev = last.get(p);
        long sent = s.sent();
        long ok = s.ok();
        long shed = s.shed();
        int queue = m == null ? 0 : m.of(p).queueDepth();
        sb.append(String.format("%24s %-6s %9d %9d %7d %6d %9.1f %9.1f%n", "", p.label(), sent - prev[0],
            ok - prev[1], shed - prev[2], queue, s.intervalOkMillis(50), s.intervalOkMillis(99)));
        prev[0] = sent;
        prev[1] = ok;
        prev[2] = shed;
      }
      out.print(sb);
      out.flush();
      drawn = true;
    }
  }
}
