package ai.aim.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.config.HttpConfig;
import ai.aim.proxy.config.ProxyConfig;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.testing.RawHttp;
import ai.aim.proxy.testing.TestUpstream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ErrorsAndLimitsTest extends ProxyTestBase {

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client(HttpClient.Version.HTTP_1_1).send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anUpstreamThatRefusesConnectionsGives503() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    upstream = new TestUpstream();
    proxy = ai.aim.proxy.ProxyServer.builder(baseConfig("http://127.0.0.1:" + closedPort))
        .transport(transport).observer(recorder).start();
    HttpResponse<String> r = get("/v2/models/resnet/infer");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue("content-type")).contains("application/json");
    assertThat(r.body()).contains("\"error\":\"upstream_unavailable\"").contains("\"reason\":");
    await().until(() -> recorder.calls().size() == 1);
    assertThat(recorder.calls().get(0).outcome()).isEqualTo(Outcome.UNAVAILABLE);
  }

  @Test
  void anUpstreamThatHangsPastTheDeadlineGives504() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    start();
    upstream.route("/v2/models/resnet/infer", ex -> {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      TestUpstream.respond(ex, 200, "late");
    });
    try {
      HttpResponse<String> r = get("/v2/models/resnet/infer", "x-aim-deadline-ms", "200");
      assertThat(r.statusCode()).isEqualTo(504);
      assertThat(r.body()).contains("deadline_exceeded").contains("x-aim-deadline-ms");
      await().until(() -> recorder.calls().size() == 1);
      assertThat(recorder.calls().get(0).outcome()).isEqualTo(Outcome.DEADLINE);
    } finally {
      release.countDown();
    }
  }

  @Test
  void anUpstreamSlowerThanTheResponseTimeoutGives504() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    start(c -> c.withUpstream(c.upstream().withResponseTimeout(Duration.ofMillis(200))));
    upstream.route("/slow", ex -> {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      TestUpstream.respond(ex, 200, "late");
    });
    try {
      HttpResponse<String> r = get("/slow");
      assertThat(r.statusCode()).isEqualTo(504);
      assertThat(r.body()).contains("upstream_timeout");
    } finally {
      release.countDown();
    }
  }

  @Test
  void invalidClassificationHeadersAre400sNamingTheHeader() throws Exception {
    start();
    HttpResponse<String> d = get("/v2/models/resnet/infer", "x-aim-deadline-ms", "soon");
    assertThat(d.statusCode()).isEqualTo(400);
    assertThat(d.body()).contains("x-aim-deadline-ms: 'soon' (expected: a whole number of milliseconds");
    HttpResponse<String> p = get("/v2/models/resnet/infer", "x-aim-priority", "urgent");
    assertThat(p.statusCode()).isEqualTo(400);
    assertThat(p.body()).contains("x-aim-priority: 'urgent' (expected: high, medium or low)");
    assertThat(upstream.seen()).noneMatch(s -> s.uri().startsWith("/v2/models/resnet/infer"));
  }

  @Test
  void refusesToActAsAnOpenProxy() throws Exception {
    start();
    String absolute = RawHttp.exchange(proxy.httpPort(),
        "GET http://example.com/v2/models/resnet HTTP/1.1\r\nHost: example.com\r\n\r\n");
    assertThat(absolute).startsWith("HTTP/1.1 400").contains("not a forward proxy");
    String connect = RawHttp.exchange(proxy.httpPort(),
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    assertThat(connect).startsWith("HTTP/1.1 405").contains("CONNECT is not supported");
    String hostElsewhere = RawHttp.exchange(proxy.httpPort(),
        "GET /v2/models/resnet HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");
    assertThat(hostElsewhere).startsWith("HTTP/1.1 200");
    assertThat(upstream.last().header("Host")).isEqualTo("127.0.0.1:" + upstream.port());
    // Only the third request was forwarded (the readiness probe's polls have no x-forwarded-for).
    assertThat(upstream.seen()).filteredOn(s -> s.header("x-forwarded-for") != null).hasSize(1);
  }

  @Test
  void oversizeHeadersAre431AndOversizeBodiesAre413() throws Exception {
    start(c -> c.withHttp(new HttpConfig("127.0.0.1", 0, 8192, 4096, 1024 * 1024, 1024, Duration.ofSeconds(60), null)));
    String header = RawHttp.exchange(proxy.httpPort(),
        "GET /v2/models/resnet HTTP/1.1\r\nHost: x\r\nx-big: " + "a".repeat(8000) + "\r\n\r\n");
    assertThat(header).startsWith("HTTP/1.1 431").contains("header_too_large");
    String declared = RawHttp.exchange(proxy.httpPort(),
        "POST /v2/models/resnet/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n");
    assertThat(declared).startsWith("HTTP/1.1 413").contains("exceeds the limit of 1048576 bytes");
    // Chunked: the limit is found while streaming; nothing was answered yet, so it is a 413 too.
    CountDownLatch reading = new CountDownLatch(1);
    upstream.route("/sink", ex -> {
      reading.countDown();
      ex.getRequestBody().readAllBytes();
      TestUpstream.respond(ex, 200, "all read");
    });
    StringBuilder chunked = new StringBuilder(
        "POST /sink HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    String chunk = "a".repeat(60_000);
    for (int i = 0; i < 20; i++) {
      chunked.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
    }
    chunked.append("0\r\n\r\n");
    String streamed = RawHttp.exchange(proxy.httpPort(), chunked.toString());
    assertThat(streamed).startsWith("HTTP/1.1 413").contains("request body exceeds the limit");
  }

  @Test
  void conflictingContentLengthAndTransferEncodingAreRefused() throws Exception {
    start();
    String r = RawHttp.exchange(proxy.httpPort(),
        "POST /v2/models/resnet/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    assertThat(r).startsWith("HTTP/1.1 400").contains("both Content-Length and Transfer-Encoding");
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    CountDownLatch slowStarted = new CountDownLatch(1);
    start();
    upstream.route("/first", ex -> {
      slowStarted.countDown();
      try {
        Thread.sleep(200); // the second request is already queued behind this one
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      TestUpstream.respond(ex, 200, "one");
    });
    String r = RawHttp.exchange(proxy.httpPort(),
        "GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    int one = r.indexOf("one");
    int two = r.indexOf("ok GET /second");
    assertThat(one).isPositive();
    assertThat(two).isGreaterThan(one);
  }

  @Test
  void anIdleClientConnectionIsClosed() throws Exception {
    start(c -> c.withHttp(new HttpConfig("127.0.0.1", 0, 8192, 16384, 1024 * 1024, 1024,
        Duration.ofMillis(200), null)));
    try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), proxy.httpPort())) {
      s.setSoTimeout(10_000);
      // A read that ends (EOF) rather than timing out: the sidecar closed the idle connection.
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }
}
