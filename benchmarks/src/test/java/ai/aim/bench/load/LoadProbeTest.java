package ai.aim.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.admission.Priority;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The probe beside a real load: a JDK HTTP server on port 0 sheds every LOW request (429 with a
 * sidecar-like reason, fixed length) and answers the others 200 (chunked).
 */
@Timeout(60)
class LoadProbeTest {

  private static final String SHED = "{\"error\":\"shed\",\"reason\":\"outranked\",\"priority\":\"low\"}";

  private HttpServer server;
  private ExecutorService serverThreads;
  /** Requests the server saw, by "probe" or "main" and class. */
  private final Map<String, LongAdder> seen = new ConcurrentHashMap<>();
  private final Map<String, String> bodies = new ConcurrentHashMap<>();

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    serverThreads = Executors.newFixedThreadPool(4);
    server.setExecutor(serverThreads);
    server.createContext("/v1/completions", this::answer);
    server.start();
  }

  @AfterEach
  void stopServer() {
    server.stop(0);
    serverThreads.shutdownNow();
  }

  private void answer(HttpExchange x) throws IOException {
    String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String priority = x.getRequestHeaders().getFirst("x-aim-priority");
    String who = ProbeRun.USER_AGENT.equals(x.getRequestHeaders().getFirst("user-agent")) ? "probe" : "main";
    seen.computeIfAbsent(who + " " + priority, k -> new LongAdder()).increment();
    bodies.putIfAbsent(who + " " + priority + " " + x.getRequestHeaders().getFirst("content-type"), body);
    if ("low".equals(priority)) {
      byte[] b = SHED.getBytes(StandardCharsets.UTF_8);
      x.getResponseHeaders().add("content-type", "application/json");
      x.sendResponseHeaders(429, b.length);
      try (OutputStream o = x.getResponseBody()) {
        o.write(b);
      }
    } else {
      x.sendResponseHeaders(200, 0); // length 0: chunked
      try (OutputStream o = x.getResponseBody()) {
        o.write("{\"choices\":[{\"text\":\"ok\"}]}".getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private long seen(String key) {
    LongAdder a = seen.get(key);
    return a == null ? 0 : a.sum();
  }

  private URI target() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Test
  void theProbeCountsItsShedAnswersApartFromTheMainLoadAndItsResultSurvivesJson(@TempDir Path dir)
      throws Exception {
    List<PlannedRequest> plan = Arrivals.poisson(100, 1_000_000_000L, 10_000, new double[] {20, 30, 50},
        List.of(), 16, 1, 5);
    long mainLow = plan.stream().filter(r -> r.priority() == Priority.LOW).count();
    ProbePlan probe = ProbePlan.of(ProbeSpec.parse("20:low"), 1_000_000_000L, 16, 1);

    LoadResult r = new LoadRun(new LoadRun.Options(target(), "demo", Duration.ofSeconds(10), "fake"), plan, probe)
        .run(null);

    LoadResult.Probe p = r.probe();
    assertThat(p.priority()).isEqualTo("low");
    assertThat(p.planned()).isEqualTo(20);
    assertThat(p.sent()).isEqualTo(20);
    assertThat(p.shed()).isEqualTo(20);
    assertThat(p.ok()).isZero();
    assertThat(p.other()).isZero();
    assertThat(p.unsent()).isZero();
    assertThat(p.shedByReason()).isEqualTo(Map.of("outranked", 20L));
    assertThat(p.shedMs().count()).isEqualTo(20);
    assertThat(p.shedOnArrivalMs().count()).isEqualTo(20);
    assertThat(p.shedMs().p50()).isGreaterThanOrEqualTo(p.rawShedMs().p50());
    assertThat(p.shedMs().max()).isGreaterThanOrEqualTo(p.shedMs().p99());
    assertThat(p.sendLagMs().count()).as("every written request").isEqualTo(20);
    // The main tables hold the plan and nothing else.
    assertThat(r.priorities().values().stream().mapToLong(LoadResult.Group::sent).sum()).isEqualTo(plan.size());
    assertThat(r.priorities().get("low").sent()).isEqualTo(mainLow);
    assertThat(r.priorities().get("low").shed()).isEqualTo(mainLow);
    assertThat(r.timeline().stream().mapToLong(s -> s.shed()[Priority.LOW.ordinal()]).sum()).isEqualTo(mainLow);
    // The server saw both, told apart by the probe's user-agent, with the same body for LOW.
    assertThat(seen("probe low")).isEqualTo(20);
    assertThat(seen("main low")).isEqualTo(mainLow);
    assertThat(seen("probe high") + seen("probe medium")).isZero();
    assertThat(bodies.get("probe low application/json")).isNotNull()
        .isEqualTo(bodies.get("main low application/json"));

    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    Path file = dir.resolve("r.json");
    json.writeValue(file.toFile(), r);
    LoadResult back = readAsLoadPlotDoes(file);
    assertThat(back.probe()).isEqualTo(p);
    assertThat(back.priorities()).isEqualTo(r.priorities());
  }

  @Test
  void aResultWrittenBeforeTheProbeExistedStillReadsAndPlots(@TempDir Path dir) throws Exception {
    List<PlannedRequest> plan = Arrivals.poisson(50, 500_000_000L, 10_000, new double[] {50, 0, 50},
        List.of(), 16, 1, 2);
    LoadResult r = new LoadRun(new LoadRun.Options(target(), "demo", Duration.ofSeconds(10), "old"), plan).run(null);
    assertThat(r.probe()).isNull();
    ObjectMapper json = new ObjectMapper();
    ObjectNode tree = json.valueToTree(r);
    tree.remove("probe"); // the shape of results written before --probe
    Path file = dir.resolve("old.json");
    json.writeValue(file.toFile(), tree);

    assertThat(readAsLoadPlotDoes(file).probe()).isNull();
    Path png = dir.resolve("old.png");
    int code = new CommandLine(new LoadPlotCommand()).execute("--out", png.toString(), file.toString());
    assertThat(code).isZero();
    assertThat(png).isNotEmptyFile();
  }

  @Test
  void theCommandProbesTheWarmUpTooButReportsOnlyTheMeasuredPhase(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("cmd.json");
    int code = new CommandLine(new LoadCommand()).execute("--target", target().toString(), "--rate", "40",
        "--duration", "1", "--warmup", "0.5", "--mix", "50,0,50", "--probe", "10:low", "--json", file.toString());
    assertThat(code).isZero();
    LoadResult r = readAsLoadPlotDoes(file);
    assertThat(r.probe().planned()).isEqualTo(10);
    assertThat(r.probe().shed()).isEqualTo(10);
    assertThat(seen("probe low")).as("5 in the warm-up, 10 measured").isEqualTo(15);
  }

  @Test
  void badProbeValuesAreUsageErrorsThatNameTheOptionAndWhatWasExpected() {
    for (String bad : List.of("0:low", "-5:low", "1001:low", "NaN:low", "abc:low", "20", "20:urgent",
        "20:low:1", ":low", "20:")) {
      StringWriter err = new StringWriter();
      int code = new CommandLine(new LoadCommand()).setErr(new PrintWriter(err))
          .execute("--target", "http://127.0.0.1:9", "--probe", bad);
      assertThat(code).as(bad).isEqualTo(2);
      assertThat(err.toString()).as(bad)
          .contains("Invalid value for option '--probe': '" + bad + "' (expected: " + ProbeSpec.EXPECTED + ")");
    }
    assertThat(ProbeSpec.parse("20:low")).isEqualTo(new ProbeSpec(20, Priority.LOW));
    assertThat(ProbeSpec.parse("0.5:HIGH")).isEqualTo(new ProbeSpec(0.5, Priority.HIGH));
    assertThat(ProbeSpec.parse("1000:medium").count(2_000_000_000L)).isEqualTo(2000);
  }

  private static LoadResult readAsLoadPlotDoes(Path file) throws IOException {
    return new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .readValue(file.toFile(), LoadResult.class);
  }
}
