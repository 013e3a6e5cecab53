package ai.aim.proxy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.ProxyServer;
import ai.aim.proxy.admission.AdmissionConfigParser;
import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.admission.AdmissionSnapshot;
import ai.aim.proxy.config.AdminConfig;
import ai.aim.proxy.config.HttpConfig;
import ai.aim.proxy.config.ProxyConfig;
import ai.aim.proxy.config.UpstreamConfig;
import ai.aim.proxy.http.CoreAdmission;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.testing.Recorder;
import ai.aim.proxy.transport.Transport;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fault matrix: a real sidecar (HTTP listener, admission core, upstream pools) in front of a
 * model server that misbehaves on request, and clients that misbehave, over real loopback sockets.
 *
 * <p>After every case the same checks run ({@link #everyCaseLeavesTheSidecarClean()}): every
 * request the case sent was reported exactly once to the observer with the expected outcome, the
 * sidecar's in-flight count and the admission core's in-flight permits and queues are back to
 * zero, a normal request still succeeds, and the process has no more threads or file descriptors
 * than before the case (see {@link #FD_TOLERANCE}).
 */
class FaultMatrixTest {

  /**
   * Idle keep-alive connections towards the model server may differ before and after a case: at
   * most {@code maxIdlePerLoop} (2) per event loop (2), each an fd on the sidecar's side and one
   * on the in-process model server's side: 2 x 2 x 2 = 8.
   */
  private static final int FD_TOLERANCE = 8;

  private static final String INFER = "/v2/models/m/infer";
  private static final int MAX_INFLIGHT = 8;
  private static final Duration IDLE_TIMEOUT = Duration.ofMillis(500);

  static Transport transport;
  static ScriptedUpstream upstream;
  static AdmissionController core;
  static ProxyServer proxy;
  static ProxyServer refusing;
  static final Recorder recorder = new Recorder();

  private int callsBefore;
  private int expectedCalls;
  private List<Outcome> expectedOutcomes;
  private int fdsBefore;
  private int threadsBefore;
  private java.util.Set<String> threadNamesBefore;

  @BeforeAll
  static void startSidecar() throws Exception {
    transport = Transport.create(2);
    upstream = new ScriptedUpstream();
    core = AdmissionController.start(AdmissionConfigParser.parse(new YAMLMapper().readTree(
        "maxInflight: " + MAX_INFLIGHT + "\n"
            + "priorities: {high: {maxQueue: 2000, maxQueueWaitMs: 60000},"
            + " medium: {maxQueue: 2000, maxQueueWaitMs: 60000},"
            + " low: {maxQueue: 2000, maxQueueWaitMs: 60000}}\n"), null), System::nanoTime);
    proxy = ProxyServer.builder(config(upstream.url()))
        .transport(transport).observer(recorder).admission(new CoreAdmission(core)).start();
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    refusing = ProxyServer.builder(config("http://127.0.0.1:" + closedPort))
        .transport(transport).observer(recorder).start();
    // Warm up: every event loop has run, the pools hold their connections, lazy classes loaded.
    for (int i = 0; i < 20; i++) {
      assertThat(normalRequest(proxy)).startsWith("HTTP/1.1 200");
      assertThat(normalRequest(refusing)).startsWith("HTTP/1.1 503");
    }
  }

  static ProxyConfig config(String upstreamUrl) {
    ObjectMapper json = new ObjectMapper();
    return ProxyConfig.defaults()
        .withHttp(new HttpConfig("127.0.0.1", 0, 8192, 8192, 1024 * 1024, 64 * 1024, IDLE_TIMEOUT, null))
        .withAdmin(AdminConfig.defaults().withBind("127.0.0.1").withPort(0)
            .withReadinessInterval(Duration.ofMillis(200)))
        .withUpstream(new UpstreamConfig(URI.create(upstreamUrl), "127.0.0.1:1",
            UpstreamConfig.defaults().protocol(), Duration.ofSeconds(2), Duration.ofSeconds(30), 2))
        .withDrainTimeout(Duration.ofSeconds(2))
        .withModels(json.createObjectNode().set("m", json.createObjectNode()));
  }

  @AfterAll
  static void stopSidecar() throws Exception {
    refusing.close();
    proxy.close();
    core.close();
    upstream.close();
    transport.close();
  }

  @BeforeEach
  void baseline() {
    awaitQuiet();
    callsBefore = recorder.calls().size();
    fdsBefore = openFds();
    threadsBefore = liveThreads();
    threadNamesBefore = threadNames();
    expectedCalls = 0;
    expectedOutcomes = List.of();
  }

  /** Declares what the case sent: {@code n} requests, each reported once with one of {@code outcomes}. */
  private void expect(int n, Outcome... outcomes) {
    expectedCalls = n;
    expectedOutcomes = List.of(outcomes);
  }

  @AfterEach
  void everyCaseLeavesTheSidecarClean() {
    awaitQuiet();
    if (expectedCalls >= 0) {
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(recorder.calls().size() - callsBefore).isEqualTo(expectedCalls));
    }
    List<Recorder.Call> calls = recorder.calls().subList(callsBefore, recorder.calls().size());
    assertThat(calls).extracting(Recorder.Call::outcome).allMatch(expectedOutcomes::contains);
    awaitQuiet();
    assertThat(normalRequest(proxy)).startsWith("HTTP/1.1 200");
    await().atMost(Duration.ofSeconds(10)).pollInSameThread().untilAsserted(() -> {
      assertThat(openFds()).isLessThanOrEqualTo(fdsBefore + FD_TOLERANCE);
      assertThat(liveThreads()).as("threads; new ones: %s", newThreads())
          .isLessThanOrEqualTo(threadsBefore);
    });
  }

  private static void awaitQuiet() {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(proxy.http().inflight()).isZero();
      assertThat(refusing.http().inflight()).isZero();
      AdmissionSnapshot s = core.refreshSnapshot().get();
      for (AdmissionSnapshot.Model m : s.models().values()) {
        assertThat(m.inflight()).as("permits of %s", m.model()).isZero();
        for (AdmissionSnapshot.Class c : m.classes()) {
          assertThat(c.queueDepth()).as("queue of %s", c.priority()).isZero();
          assertThat(c.inflight()).as("in flight of %s", c.priority()).isZero();
        }
      }
    });
  }

  static int openFds() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return (int) fds.count();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Live threads, except the workers of the JDK HttpClient behind the readiness probe: its default
   * executor is a cached pool whose workers start for a poll and expire after 60 s idle, so they
   * come and go with the probe's schedule (at most one at a time per probe), not with the traffic.
   */
  static int liveThreads() {
    int n = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && !t.getName().matches("HttpClient-\\d+-Worker-\\d+")) {
        n++;
      }
    }
    return n;
  }

  private static java.util.Set<String> threadNames() {
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      names.add(t.getName());
    }
    return names;
  }

  private java.util.Set<String> newThreads() {
    java.util.Set<String> now = threadNames();
    now.removeAll(threadNamesBefore);
    return now;
  }

  static String normalRequest(ProxyServer p) {
    try (RawClient c = new RawClient(p.httpPort())) {
      return c.send(post(INFER, "Connection: close\r\n")).readResponse();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String post(String path, String extraHeaders) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        + extraHeaders + "Content-Length: 2\r\n\r\n{}";
  }

  private int port() {
    return proxy.httpPort();
  }

  // ---- the model server misbehaves -------------------------------------------------------------

  static Stream<Arguments> upstreamFaults() {
    return Stream.of(
        Arguments.of("close", "HTTP/1.1 502", "upstream_closed", Outcome.UPSTREAM_ERROR),
        Arguments.of("garbage", "HTTP/1.1 502", "bad_upstream_response", Outcome.UPSTREAM_ERROR));
  }

  @ParameterizedTest(name = "a model server that answers with ''{0}'' gives {1} {2}")
  @MethodSource("upstreamFaults")
  void aModelServerFaultBeforeTheAnswerIsASidecarAnswer(
      String fault, String status, String error, Outcome outcome) throws Exception {
    expect(1, outcome);
    try (RawClient c = new RawClient(port())) {
      String r = c.send(post(INFER, "x-fault: " + fault + "\r\n")).readResponse();
      assertThat(r).startsWith(status).contains("\"error\":\"" + error + "\"");
    }
  }

  @Test
  void aModelServerThatRefusesConnectionsGives503() throws Exception {
    expect(3, Outcome.UNAVAILABLE);
    for (int i = 0; i < 3; i++) {
      assertThat(normalRequest(refusing)).startsWith("HTTP/1.1 503").contains("upstream_unavailable");
    }
  }

  @Test
  void aModelServerThatCrashesMidResponseCutsTheClientConnection() throws Exception {
    expect(1, Outcome.UPSTREAM_ERROR);
    try (RawClient c = new RawClient(port())) {
      c.send(post(INFER, "x-fault: truncate\r\n"));
      byte[] all = c.readToEof();
      assertThat(all).as("the sidecar closes the connection instead of leaving it waiting").isNotNull();
      String got = new String(all, StandardCharsets.ISO_8859_1);
      // The answer had started (200, 1000 bytes promised); the client sees fewer bytes and a close.
      assertThat(got).startsWith("HTTP/1.1 200").contains("Content-Length: 1000");
      assertThat(got.substring(got.indexOf("\r\n\r\n") + 4)).hasSizeLessThan(1000);
    }
  }

  @Test
  void aModelServerThatHangsIsCutAtTheDeadlineAndItsConnectionClosed() throws Exception {
    expect(1, Outcome.DEADLINE);
    int closedBefore = upstream.peerClosed();
    try (RawClient c = new RawClient(port())) {
      String r = c.send(post(INFER, "x-fault: hang\r\nx-aim-deadline-ms: 300\r\n")).readResponse();
      assertThat(r).startsWith("HTTP/1.1 504").contains("deadline_exceeded");
    }
    await().until(() -> upstream.peerClosed() > closedBefore);
  }

  // ---- the client goes away ---------------------------------------------------------------------

  @Test
  void aClientThatGoesAwayWhileQueuedFreesItsQueueSlot() throws Exception {
    expect(MAX_INFLIGHT + 1, Outcome.CANCELLED);
    upstream.expectHangs(MAX_INFLIGHT);
    List<RawClient> holders = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_INFLIGHT; i++) {
        holders.add(new RawClient(port()).send(post(INFER, "x-fault: hang\r\n")));
      }
      assertThat(upstream.awaitHangs(10)).isTrue();
      RawClient queued = new RawClient(port()).send(post(INFER, ""));
      await().until(() -> core.refreshSnapshot().get().models().get("m").classes().stream()
          .mapToInt(AdmissionSnapshot.Class::queueDepth).sum() == 1);
      queued.abort();
      await().until(() -> core.refreshSnapshot().get().models().get("m").classes().stream()
          .mapToInt(AdmissionSnapshot.Class::queueDepth).sum() == 0);
    } finally {
      for (RawClient h : holders) {
        h.abort();
      }
    }
  }

  @Test
  void aClientThatGoesAwayWhileDispatchedClosesTheUpstreamRequest() throws Exception {
    expect(1, Outcome.CANCELLED);
    upstream.expectHangs(1);
    int closedBefore = upstream.peerClosed();
    RawClient c = new RawClient(port()).send(post(INFER, "x-fault: hang\r\n"));
    assertThat(upstream.awaitHangs(10)).isTrue();
    c.abort();
    await().until(() -> upstream.peerClosed() > closedBefore);
  }

  @Test
  void aClientThatGoesAwayWhileStreamingClosesTheUpstreamStream() throws Exception {
    expect(1, Outcome.CANCELLED);
    int closedBefore = upstream.peerClosed();
    RawClient c = new RawClient(port()).send(post(INFER, "x-fault: trickle\r\n"));
    assertThat(c.readHead()).startsWith("HTTP/1.1 200");
    c.abort();
    await().until(() -> upstream.peerClosed() > closedBefore);
  }

  @Test
  void aThousandConcurrentAbortsGiveEveryPermitAndQueueSlotBack() throws Exception {
    int n = 1000;
    expect(n + MAX_INFLIGHT, Outcome.CANCELLED);
    upstream.expectHangs(MAX_INFLIGHT);
    List<RawClient> holders = new ArrayList<>();
    List<RawClient> waiting = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_INFLIGHT; i++) {
        holders.add(new RawClient(port()).send(post(INFER, "x-fault: hang\r\n")));
      }
      assertThat(upstream.awaitHangs(10)).isTrue();
      String[] prios = {"high", "medium", "low"};
      for (int i = 0; i < n; i++) {
        // They hang too once dispatched: a holder's abort frees a permit before every waiting
        // client has aborted, and a request served meanwhile would end OK instead of CANCELLED.
        waiting.add(new RawClient(port()).send(
            post(INFER, "x-fault: hang\r\nx-aim-priority: " + prios[i % 3] + "\r\n")));
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> core.refreshSnapshot().get().models()
          .get("m").classes().stream().mapToInt(AdmissionSnapshot.Class::queueDepth).sum() == n);
      // All at once from several threads, interleaved with the permits coming back.
      List<RawClient> all = new ArrayList<>(waiting);
      all.addAll(holders);
      java.util.Collections.shuffle(all, new java.util.Random(7));
      List<Thread> aborters = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        List<RawClient> mine = all.subList(t * all.size() / 4, (t + 1) * all.size() / 4);
        Thread th = new Thread(() -> {
          for (RawClient c : mine) {
            try {
              c.abort();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          }
        });
        th.start();
        aborters.add(th);
      }
      for (Thread th : aborters) {
        th.join();
      }
    } finally {
      for (RawClient c : waiting) {
        c.close();
      }
      for (RawClient c : holders) {
        c.close();
      }
    }
  }

  // ---- slow and oversize clients ---------------------------------------------------------------

  @Test
  void aSlowlorisHeaderIsClosedByTheIdleTimeoutWhileOthersAreServed() throws Exception {
    // The normal requests are OK; the cut head may be reported as a bad request (the decoder
    // sees a partial head at close), so only the outcomes are checked, not the count.
    expect(-1, Outcome.OK, Outcome.BAD_REQUEST);
    try (RawClient slow = new RawClient(port())) {
      slow.send("POST " + INFER + " HTTP/1.1\r\nHost: x\r\n");
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      boolean closed = false;
      int i = 0;
      while (!closed && System.nanoTime() < deadline) {
        try {
          slow.send("x-pad-" + i++ + ": y\r\n");
        } catch (IOException reset) {
          closed = true;
          break;
        }
        closed = slow.closedByPeer(100);
        assertThat(normalRequest(proxy)).startsWith("HTTP/1.1 200");
      }
      assertThat(closed).as("a header dribbled one line per 100 ms is cut within 5 s").isTrue();
    }
  }

  @Test
  void aStalledBodyIsClosedByTheIdleTimeoutAndItsPermitReturned() throws Exception {
    expect(2, Outcome.CANCELLED, Outcome.OK); // the stalled request and one normal request
    try (RawClient slow = new RawClient(port())) {
      slow.send("POST " + INFER + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"inputs\"");
      assertThat(normalRequest(proxy)).startsWith("HTTP/1.1 200");
      assertThat(slow.closedByPeer(5000)).as("a body that stops arriving is cut").isTrue();
    }
  }

  @Test
  void anIdleConnectionIsClosedByTheIdleTimeout() throws Exception {
    expect(0);
    try (RawClient idle = new RawClient(port())) {
      assertThat(idle.closedByPeer(5000)).isTrue();
    }
  }

  static Stream<Arguments> badRequests() {
    String h = "Host: x\r\n";
    return Stream.of(
        Arguments.of("a header block over maxHeaderSize",
            "GET " + INFER + " HTTP/1.1\r\n" + h + "x-big: " + "a".repeat(9000) + "\r\n\r\n", "431"),
        Arguments.of("a request line over maxInitialLineLength",
            "GET /v2/models/m/" + "a".repeat(9000) + " HTTP/1.1\r\n" + h + "\r\n", "414"),
        Arguments.of("a declared body over maxBodySize",
            "POST " + INFER + " HTTP/1.1\r\n" + h + "Content-Length: 2000000\r\n\r\n", "413"),
        Arguments.of("Content-Length with Transfer-Encoding",
            "POST " + INFER + " HTTP/1.1\r\n" + h + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\nhello\r\n0\r\n\r\n", "400"),
        Arguments.of("two different Content-Lengths",
            "POST " + INFER + " HTTP/1.1\r\n" + h + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x", "400"),
        Arguments.of("a Content-Length list",
            "POST " + INFER + " HTTP/1.1\r\n" + h + "Content-Length: 2, 3\r\n\r\n{}x", "400"),
        Arguments.of("a negative Content-Length",
            "POST " + INFER + " HTTP/1.1\r\n" + h + "Content-Length: -1\r\n\r\n", "400"),
        Arguments.of("a Transfer-Encoding that does not end in chunked",
            "POST " + INFER + " HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked, identity\r\n\r\n"
                + "2\r\n{}\r\n0\r\n\r\n", "400"),
        Arguments.of("an obfuscated Transfer-Encoding",
            "POST " + INFER + " HTTP/1.1\r\n" + h + "Transfer-Encoding: xchunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", "400"),
        Arguments.of("a chunk size that is not hex",
            "POST " + INFER + " HTTP/1.1\r\n" + h + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", "400"),
        Arguments.of("an obs-fold header continuation",
            "POST " + INFER + " HTTP/1.1\r\n" + h + "x-aim-priority: low\r\n high\r\nContent-Length: 2\r\n\r\n{}", "400"),
        Arguments.of("a space before the colon",
            "POST " + INFER + " HTTP/1.1\r\n" + h + "Content-Length : 2\r\n\r\n{}", "400"),
        Arguments.of("a request line that is not HTTP",
            "HELLO THERE\r\n\r\n", "400"),
        Arguments.of("an unknown HTTP version",
            "GET " + INFER + " HTTP/7.1\r\n" + h + "\r\n", "400"),
        Arguments.of("an absolute-form target naming another host (open proxy)",
            "GET http://example.com/v2/models/m HTTP/1.1\r\nHost: example.com\r\n\r\n", "400"),
        Arguments.of("an absolute-form target naming a local port (open proxy to localhost)",
            "GET http://127.0.0.1:22/ HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n", "400"),
        Arguments.of("an authority-form CONNECT tunnel",
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", "405"),
        Arguments.of("an asterisk-form target other than OPTIONS",
            "GET * HTTP/1.1\r\n" + h + "\r\n", "400"),
        Arguments.of("a model name with broken percent-encoding",
            post("/v2/models/m%zz/infer", ""), "400"),
        Arguments.of("a v1 model name with a truncated percent-escape",
            post("/v1/models/m%4:predict", ""), "400"),
        Arguments.of("an invalid priority",
            post(INFER, "x-aim-priority: urgent\r\n"), "400"),
        Arguments.of("a negative deadline",
            post(INFER, "x-aim-deadline-ms: -5\r\n"), "400"),
        Arguments.of("a deadline that is not a number",
            post(INFER, "x-aim-deadline-ms: soon\r\n"), "400"),
        Arguments.of("a deadline beyond a day",
            post(INFER, "x-aim-deadline-ms: 99999999999999999999\r\n"), "400"));
  }

  @ParameterizedTest(name = "{0} gives {2}")
  @MethodSource("badRequests")
  void aMalformedOrOversizeRequestIsRefusedAndNeverForwarded(String what, String raw, String status)
      throws Exception {
    int seen = upstream.requests();
    // Bad input is answered by the sidecar; whether the observer hears of it depends on whether
    // the head could be classified, so only the upper bound is checked.
    expectedCalls = -1;
    expectedOutcomes = List.of(Outcome.BAD_REQUEST);
    try (RawClient c = new RawClient(port())) {
      String r = c.send(raw).readResponse();
      // HTTP/1.0 in the status line when the request line itself could not be read.
      assertThat(r).matches("(?s)HTTP/1\\.[01] " + status + " .*");
    }
    assertThat(upstream.requests()).isEqualTo(seen);
  }

  @Test
  void badHttp2FramesAfterThePrefaceEndTheConnectionWithGoaway() throws Exception {
    expect(0);
    ByteBuffer b = ByteBuffer.allocate(64);
    b.put("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    b.put(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // empty SETTINGS
    // HEADERS on stream 0: a connection error (PROTOCOL_ERROR) by RFC 9113 section 6.2.
    b.put(new byte[] {0, 0, 3, 1, 4, 0, 0, 0, 0, (byte) 0x82, (byte) 0x86, (byte) 0x84});
    byte[] bytes = java.util.Arrays.copyOf(b.array(), b.position());
    try (RawClient c = new RawClient(port())) {
      byte[] got = c.send(bytes).readToEof();
      assertThat(got).as("the sidecar closes the connection").isNotNull();
      assertThat(frameTypes(got)).contains(7); // GOAWAY
    }
  }

  @Test
  void randomBytesAfterTheHttp2PrefaceEndTheConnection() throws Exception {
    expect(0);
    byte[] junk = new byte[4096];
    new java.util.Random(42).nextBytes(junk);
    try (RawClient c = new RawClient(port())) {
      c.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").send(junk);
      assertThat(c.readToEof()).as("the sidecar closes the connection").isNotNull();
    }
  }

  private static List<Integer> frameTypes(byte[] got) {
    List<Integer> types = new ArrayList<>();
    int i = 0;
    while (i + 9 <= got.length) {
      int len = ((got[i] & 0xff) << 16) | ((got[i + 1] & 0xff) << 8) | (got[i + 2] & 0xff);
      types.add(got[i + 3] & 0xff);
      i += 9 + len;
    }
    return types;
  }
}
