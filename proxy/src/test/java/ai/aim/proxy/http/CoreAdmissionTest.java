package ai.aim.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.admission.AdmissionConfigParser;
import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.testing.TestUpstream;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CoreAdmissionTest extends ProxyTestBase {

  /** An admission core that lets one request through at a time and queues none (MEDIUM). */
  private static AdmissionController oneAtATime() throws Exception {
    JsonNode admission = new YAMLMapper().readTree(
        "maxInflight: 1\npriorities: {medium: {maxQueue: 0}}\n");
    return AdmissionController.start(AdmissionConfigParser.parse(admission, null), System::nanoTime);
  }

  /**
   * Starts the sidecar on {@code core} and sends one request, which the upstream holds until
   * {@code release} counts down; returns once the upstream has it.
   */
  private CompletableFuture<HttpResponse<String>> startHoldingOne(
      AdmissionController core, HttpClient c, CountDownLatch release) throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    startHolding(core, release, ex -> held.countDown());
    CompletableFuture<HttpResponse<String>> first =
        c.sendAsync(infer(), HttpResponse.BodyHandlers.ofString());
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    return first;
  }

  /**
   * Starts the sidecar on {@code core} in front of an upstream that tells {@code onArrival} of
   * each inference request and answers it once {@code release} counts down.
   */
  private void startHolding(AdmissionController core, CountDownLatch release,
      java.util.function.Consumer<com.sun.net.httpserver.HttpExchange> onArrival) throws Exception {
    upstream = new TestUpstream();
    upstream.route("/v2/models/resnet/infer", ex -> {
      onArrival.accept(ex);
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      TestUpstream.respond(ex, 200, "done");
    });
    proxy = ai.aim.proxy.ProxyServer.builder(baseConfig(upstream.url()))
        .transport(transport).observer(recorder).admission(new CoreAdmission(core)).start();
  }

  private HttpRequest infer() {
    return HttpRequest.newBuilder(URI.create(base() + "/v2/models/resnet/infer"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
  }

  @Test
  void theAdmissionCoreShedsBeyondItsLimitAndGetsEveryPermitBack() throws Exception {
    try (AdmissionController core = oneAtATime()) {
      CountDownLatch release = new CountDownLatch(1);
      HttpClient c = client(HttpClient.Version.HTTP_1_1);
      CompletableFuture<HttpResponse<String>> first = startHoldingOne(core, c, release);
      HttpRequest infer = infer();

      HttpResponse<String> second = c.send(infer, HttpResponse.BodyHandlers.ofString());
      assertThat(second.statusCode()).isEqualTo(429);
      assertThat(second.body()).contains("\"error\":\"shed\"").contains("medium priority")
          .contains("\"reason\":\"queue_full\"").contains("\"priority\":\"medium\"")
          .contains("\"retryAfterMs\":");
      assertThat(second.headers().firstValueAsLong("retry-after").orElse(0)).isPositive();

      release.countDown();
      HttpResponse<String> served = first.get(10, TimeUnit.SECONDS);
      assertThat(served.statusCode()).isEqualTo(200);
      assertThat(served.headers().firstValueAsLong("x-aim-queue-wait-ms")).isPresent();
      // The permit came back: the next request is admitted.
      await().untilAsserted(() ->
          assertThat(c.send(infer, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200));
      assertThat(recorder.calls()).extracting(r -> r.outcome()).contains(Outcome.SHED, Outcome.OK);
    }
  }

  /**
   * With {@code highOvercommit} and {@code highOvercommitAfterMs}, a HIGH request that finds the
   * limit reached waits, then reaches the model server beside the request holding the limit, while
   * a MEDIUM one that came first keeps waiting for a permit under the limit.
   */
  @Test
  void highGoesBeyondAFullLimitAfterItsWaitWhileMediumKeepsWaiting() throws Exception {
    JsonNode admission = new YAMLMapper().readTree(
        "maxInflight: 1\nhighOvercommit: 1\nhighOvercommitAfterMs: 200\n");
    try (AdmissionController core = AdmissionController.start(
        AdmissionConfigParser.parse(admission, null), System::nanoTime)) {
      CountDownLatch release = new CountDownLatch(1);
      java.util.List<String> arrived = new java.util.concurrent.CopyOnWriteArrayList<>();
      startHolding(core, release, ex -> arrived.add(ex.getRequestURI().getQuery()));
      HttpClient c = client(HttpClient.Version.HTTP_1_1);
      var first = c.sendAsync(request("first", "medium"), HttpResponse.BodyHandlers.ofString());
      await().until(() -> arrived.size() == 1);
      var medium = c.sendAsync(request("medium", "medium"), HttpResponse.BodyHandlers.ofString());
      await().until(() -> core.snapshot().models().values().stream()
          .mapToInt(m -> m.classes().get(1).queueDepth()).sum() == 1);
      var high = c.sendAsync(request("high", "high"), HttpResponse.BodyHandlers.ofString());

      await().until(() -> arrived.size() == 2);
      assertThat(arrived).containsExactly("who=first", "who=high");
      release.countDown();
      HttpResponse<String> h = high.get(10, TimeUnit.SECONDS);
      assertThat(h.statusCode()).isEqualTo(200);
      // The sidecar's own account of the wait: at least highOvercommitAfterMs.
      assertThat(h.headers().firstValueAsLong("x-aim-queue-wait-ms").orElseThrow())
          .isGreaterThanOrEqualTo(200);
      assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(medium.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      assertThat(arrived).containsExactly("who=first", "who=high", "who=medium");
      await().until(() -> core.snapshot().models().values().stream()
          .mapToLong(m -> m.highOvercommitted()).sum() == 1);
    }
  }

  private HttpRequest request(String who, String priority) {
    return HttpRequest.newBuilder(URI.create(base() + "/v2/models/resnet/infer?who=" + who))
        .header("x-aim-priority", priority)
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
  }

  /**
   * A refusal answered before the body arrived keeps the connection: the rest of the body is read
   * and dropped, and the next request on the same connection is parsed as a request.
   */
  @Test
  void aRefusalBeforeTheBodyKeepsTheConnectionAndDropsTheRestOfTheBody() throws Exception {
    try (AdmissionController core = oneAtATime()) {
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<HttpResponse<String>> first =
          startHoldingOne(core, client(HttpClient.Version.HTTP_1_1), release);

      try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), proxy.httpPort())) {
        s.setSoTimeout(10_000);
        java.io.OutputStream out = s.getOutputStream();
        java.io.InputStream in = s.getInputStream();
        String head = "POST /v2/models/resnet/infer HTTP/1.1\r\nHost: x\r\n"
            + "Content-Type: application/json\r\nContent-Length: 12\r\n\r\n";
        out.write((head + "{\"a\":").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        out.flush();
        // Refused on the head alone, 7 body bytes still unsent.
        String refused = readResponse(in);
        assertThat(refused).startsWith("HTTP/1.1 429").doesNotContainIgnoringCase("connection: close");

        out.write("\"bcde\"}".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        out.write((head + "{\"a\":\"bcde\"}").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        out.flush();
        String again = readResponse(in);
        assertThat(again).startsWith("HTTP/1.1 429").contains("\"reason\":\"queue_full\"");

        // A client waiting for 100 Continue may never send its body: that connection closes.
        out.write(("POST /v2/models/resnet/infer HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            + "Content-Length: 12\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        out.flush();
        String expecting = readResponse(in);
        assertThat(expecting).startsWith("HTTP/1.1 429").containsIgnoringCase("connection: close");
        assertThat(in.read()).isEqualTo(-1);
      }
      // A body over the bound is not worth reading: that connection closes too.
      try (java.net.Socket s = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), proxy.httpPort())) {
        s.setSoTimeout(10_000);
        s.getOutputStream().write(("POST /v2/models/resnet/infer HTTP/1.1\r\nHost: x\r\nContent-Length: "
            + (Exchange.DISCARDABLE_BODY_BYTES + 1) + "\r\n\r\n{")
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        assertThat(readResponse(s.getInputStream()))
            .startsWith("HTTP/1.1 429").containsIgnoringCase("connection: close");
      }
      release.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  /** One HTTP/1.1 response with a Content-Length body, read exactly. */
  private static String readResponse(java.io.InputStream in) throws java.io.IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new java.io.EOFException("closed after: " + head);
      }
      head.append((char) b);
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
        .matcher(head);
    int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
    byte[] body = in.readNBytes(length);
    return head + new String(body, java.nio.charset.StandardCharsets.UTF_8);
  }
}
