package ai.aim.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.metrics.Outcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

class StreamingTest extends ProxyTestBase {

  @ParameterizedTest
  @EnumSource(value = HttpClient.Version.class)
  void serverSentEventsArriveOneByOneThroughTheSidecar(HttpClient.Version version) throws Exception {
    BlockingQueue<String> toSend = new LinkedBlockingQueue<>();
    start();
    upstream.route("/v1/chat/completions", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.getResponseHeaders().set("Content-Type", "text/event-stream");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      try {
        while (true) {
          String next = toSend.poll(10, TimeUnit.SECONDS);
          if (next == null || next.equals("END")) {
            break;
          }
          out.write(("data: " + next + "\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      out.close();
    });
    HttpResponse<InputStream> r = client(version).send(
        HttpRequest.newBuilder(URI.create(base() + "/v1/chat/completions"))
            .header("x-aim-model", "resnet")
            .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true}"))
            .build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      for (int i = 1; i <= 3; i++) {
        // The upstream sends chunk i only now; the client must see it before chunk i+1 exists.
        toSend.add("chunk-" + i);
        assertThat(in.readLine()).isEqualTo("data: chunk-" + i);
        assertThat(in.readLine()).isEmpty();
      }
      toSend.add("END");
      assertThat(in.readLine()).isNull();
    }
    await().until(() -> recorder.calls().size() == 1);
    assertThat(recorder.calls().get(0).outcome()).isEqualTo(Outcome.OK);
    assertThat(recorder.calls().get(0).model()).isEqualTo("resnet");
  }

  @ParameterizedTest
  @EnumSource(value = HttpClient.Version.class)
  void a64MiBUploadStreamsThroughWithoutBeingHeld(HttpClient.Version version) throws Exception {
    start();
    upstream.route("/v2/models/resnet/infer", ex -> {
      long n = 0;
      long mismatches = 0;
      byte[] buf = new byte[64 * 1024];
      try (InputStream in = ex.getRequestBody()) {
        int k;
        while ((k = in.read(buf)) > 0) {
          for (int i = 0; i < k; i++) {
            if (buf[i] != PatternStream.at(n + i)) {
              mismatches++;
            }
          }
          n += k;
        }
      }
      ai.aim.proxy.testing.TestUpstream.respond(ex, 200, n + " " + mismatches);
    });
    long size = 64L * 1024 * 1024;
    proxy.http().inTransit().resetHighWater();
    HttpResponse<String> r = client(version).send(
        HttpRequest.newBuilder(URI.create(base() + "/v2/models/resnet/infer"))
            .POST(HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> new PatternStream(size)), size))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(size + " 0");
    // Back-pressure keeps what the sidecar holds to a few socket buffers, not the body.
    assertThat(proxy.http().inTransit().highWater()).isLessThan(4L * 1024 * 1024);
    await().until(() -> proxy.http().inTransit().current() == 0);
  }

  @ParameterizedTest
  @EnumSource(value = HttpClient.Version.class)
  void a64MiBDownloadToASlowReaderStreamsWithoutBeingHeld(HttpClient.Version version) throws Exception {
    long size = 64L * 1024 * 1024;
    start();
    upstream.route("/v2/models/resnet/infer", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(200, size);
      try (OutputStream out = ex.getResponseBody()) {
        new PatternStream(size).transferTo(out);
      }
    });
    proxy.http().inTransit().resetHighWater();
    HttpResponse<InputStream> r = client(version).send(
        HttpRequest.newBuilder(URI.create(base() + "/v2/models/resnet/infer"))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build(),
        HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    long received = 0;
    long mismatches = 0;
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = r.body()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        for (int i = 0; i < n; i++) {
          if (buf[i] != PatternStream.at(received + i)) {
            mismatches++;
          }
        }
        received += n;
        if (received < 1024 * 1024) {
          Thread.sleep(1); // a slow start: the sidecar must wait for the client, not buffer
        }
      }
    }
    assertThat(received).isEqualTo(size);
    assertThat(mismatches).isZero();
    assertThat(proxy.http().inTransit().highWater()).isLessThan(4L * 1024 * 1024);
  }

  @Test
  void aClientThatGoesAwayMidStreamCancelsTheUpstreamRequest() throws Exception {
    AtomicBoolean upstreamSawClose = new AtomicBoolean();
    AtomicLong sent = new AtomicLong();
    start();
    upstream.route("/v1/completions", ex -> {
      ex.getRequestBody().readAllBytes();
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      try {
        for (int i = 0; i < 10_000; i++) {
          out.write(("data: token " + i + "\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
          sent.incrementAndGet();
          Thread.sleep(5);
        }
      } catch (IOException e) {
        upstreamSawClose.set(true);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    HttpResponse<InputStream> r = client(HttpClient.Version.HTTP_1_1).send(
        HttpRequest.newBuilder(URI.create(base() + "/v1/completions"))
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build(),
        HttpResponse.BodyHandlers.ofInputStream());
    InputStream in = r.body();
    assertThat(in.read(new byte[16])).isPositive();
    in.close();
    await().atMost(Duration.ofSeconds(10)).untilTrue(upstreamSawClose);
    assertThat(sent.get()).isLessThan(10_000);
    await().until(() -> recorder.calls().size() == 1);
    assertThat(recorder.calls().get(0).outcome()).isEqualTo(Outcome.CANCELLED);
  }

  /** A deterministic byte pattern of a given length, generated on the fly. */
  static final class PatternStream extends InputStream {
    private final long size;
    private long pos;

    PatternStream(long size) {
      this.size = size;
    }

    static byte at(long i) {
      return (byte) ((i * 31) ^ (i >>> 13));
    }

    @Override
    public int read() {
      return pos < size ? at(pos++) & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (pos >= size) {
        return -1;
      }
      int n = (int) Math.min(len, size - pos);
      for (int i = 0; i < n; i++) {
        b[off + i] = at(pos + i);
      }
      pos += n;
      return n;
    }
  }
}
