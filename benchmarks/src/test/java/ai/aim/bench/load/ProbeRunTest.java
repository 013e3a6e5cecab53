package ai.aim.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.admission.Priority;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ProbeRunTest {

  private static final String SHED = "{\"error\":\"shed\",\"reason\":\"queue_full\"}";
  private static final String SHED_RESPONSE = "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n"
      + "content-length: " + SHED.length() + "\r\n\r\n" + SHED;
  private static final String OK_CLOSE_CHUNKED = "HTTP/1.1 200 OK\r\nconnection: close\r\n"
      + "transfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";

  @Test
  void aServerThatSaysCloseEveryOtherAnswerIsReconnectedToAndEveryAnswerCounted() throws Exception {
    // Per connection: a 429 kept alive, then a chunked 200 that says close (and the server closes).
    try (ScriptedHttpServer server = new ScriptedHttpServer(n -> n % 2 == 0
        ? ScriptedHttpServer.Reply.keep(SHED_RESPONSE) : ScriptedHttpServer.Reply.thenClose(OK_CLOSE_CHUNKED))) {
      LoadResult.Probe p = probe(server, 200, 50_000_000L); // 10 requests

      assertThat(p.planned()).isEqualTo(10);
      assertThat(p.sent()).isEqualTo(10);
      assertThat(p.unsent()).isZero();
      assertThat(p.shed()).isEqualTo(5);
      assertThat(p.ok()).isEqualTo(5);
      assertThat(p.other()).isZero();
      assertThat(p.shedByReason()).isEqualTo(Map.of("queue_full", 5L));
      assertThat(p.shedOnArrivalMs().count()).isEqualTo(5);
      assertThat(p.reconnects()).as("one new connection after each close but the last").isEqualTo(4);
      assertThat(server.connections()).isEqualTo(5);
      assertThat(p.shedMs().p99()).isGreaterThanOrEqualTo(p.rawShedMs().p99());
      assertThat(p.okMs().max()).isGreaterThanOrEqualTo(p.rawOkMs().max());
    }
  }

  @Test
  void aServerThatHangsUpWithoutAnAnswerCountsAnIoErrorAndTheProbeGoesOnOnANewConnection() throws Exception {
    try (ScriptedHttpServer server = new ScriptedHttpServer(n -> n == 2
        ? ScriptedHttpServer.Reply.hangUp() : ScriptedHttpServer.Reply.keep(SHED_RESPONSE))) {
      LoadResult.Probe p = probe(server, 200, 30_000_000L); // 6 requests

      assertThat(p.sent()).isEqualTo(6);
      assertThat(p.shed()).isEqualTo(5);
      assertThat(p.other()).isEqualTo(1);
      assertThat(p.ioErrors()).isEqualTo(1);
      assertThat(p.otherByKind()).isEqualTo(Map.of("io", 1L));
      assertThat(p.reconnects()).isEqualTo(1);
      assertThat(server.connections()).isEqualTo(2);
    }
  }

  @Test
  void theProbeSendsWhatTheMainLoadSendsForItsClassPlusItsOwnUserAgent() throws Exception {
    try (ScriptedHttpServer server = new ScriptedHttpServer(n -> ScriptedHttpServer.Reply.keep(SHED_RESPONSE))) {
      probe(server, 100, 20_000_000L); // 2 requests

      assertThat(server.received()).hasSize(2);
      ScriptedHttpServer.Received r = server.received().get(0);
      PlannedRequest same = new PlannedRequest(0, Priority.LOW, null, 16, 1);
      assertThat(r.head().get(0)).isEqualTo("POST /v1/completions HTTP/1.1");
      assertThat(r.body()).isEqualTo(RequestShape.body("demo", same));
      assertThat(r.header("x-aim-priority")).isEqualTo("low");
      assertThat(r.header("x-aim-model")).isEqualTo("demo");
      assertThat(r.header("content-type")).isEqualTo("application/json");
      assertThat(r.header("user-agent")).isEqualTo(ProbeRun.USER_AGENT);
      assertThat(r.header("host")).isEqualTo(URI.create(server.baseUrl()).getAuthority());
      assertThat(r.header("x-aim-tenant")).isNull();
    }
  }

  private static LoadResult.Probe probe(ScriptedHttpServer server, double rate, long nanos) throws Exception {
    LoadRun.Options options = new LoadRun.Options(URI.create(server.baseUrl()), "demo", Duration.ofSeconds(5), "t");
    ProbeRun run = new ProbeRun(options, ProbePlan.of(new ProbeSpec(rate, Priority.LOW), nanos, 16, 1));
    run.start(System.nanoTime());
    return run.finish();
  }
}
