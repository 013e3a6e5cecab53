package ai.aim.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.proxy.testing.TestUpstream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing: the sidecar as a child JVM, a request in flight, then SIGTERM; the request
 * finishes within the drain timeout, or the drain timeout ends it and the process exits anyway.
 */
class SigtermDrainTest {

  @Test
  void sigtermLetsTheRequestInFlightFinishBeforeTheProcessExits(@TempDir Path dir) throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (TestUpstream upstream = new TestUpstream()) {
      holdUntilReleased(upstream, arrived, release, "finished");
      Path cfg = config(dir, upstream, "15s");
      SidecarProcess sidecar = SidecarProcess.start(cfg);
      Process p = sidecar.process;
      try {
        int httpPort = sidecar.httpPort(30);
        // The JDK client's default: an h2c upgrade of this very request. The SIGTERM follows the
        // "listening" line closely, which is what caught a hook registered too late.
        CompletableFuture<HttpResponse<String>> inflight = HttpClient.newHttpClient().sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v2/models/resnet/infer"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(300, TimeUnit.MILLISECONDS)).as("still draining").isFalse();
        release.countDown();
        HttpResponse<String> r;
        try {
          r = inflight.get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          throw new AssertionError("in-flight request failed; sidecar log: " + sidecar.logText(), e);
        }
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("finished");
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("exit status after SIGTERM").isEqualTo(128 + 15);
        sidecar.awaitOutput(2000);
      } finally {
        release.countDown();
        sidecar.close();
      }
    }
  }

  @Test
  void aRequestThatOutlivesTheDrainTimeoutIsCutAndTheProcessStillExits(@TempDir Path dir) throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (TestUpstream upstream = new TestUpstream()) {
      holdUntilReleased(upstream, arrived, release, "too late");
      Path cfg = config(dir, upstream, "2s");
      SidecarProcess sidecar = SidecarProcess.start(cfg);
      Process p = sidecar.process;
      try {
        int httpPort = sidecar.httpPort(30);
        CompletableFuture<HttpResponse<String>> inflight = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).build().sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/v2/models/resnet/infer"))
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(arrived.await(20, TimeUnit.SECONDS)).isTrue();
        p.destroy(); // SIGTERM

        // The drain timeout is 2 s; the rest is the JVM's own start-up and exit on a busy machine.
        assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("exited although the request never finished").isTrue();
        assertThat(p.exitValue()).as("exit status after SIGTERM").isEqualTo(128 + 15);
        sidecar.awaitOutput(2000);
        // Cut, not answered: the connection closed under the request the model server still held.
        assertThat(inflight).failsWithin(Duration.ofSeconds(10));
      } finally {
        release.countDown();
        sidecar.close();
      }
    }
  }

  /** The model server's infer route: counts the arrival, answers {@code body} once released (60 s at most). */
  private static void holdUntilReleased(TestUpstream upstream, CountDownLatch arrived,
      CountDownLatch release, String body) {
    upstream.route("/v2/models/resnet/infer", ex -> {
      arrived.countDown();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      TestUpstream.respond(ex, 200, body);
    });
  }

  private static Path config(Path dir, TestUpstream upstream, String drainTimeout) throws IOException {
    return Files.writeString(dir.resolve("aim.yaml"), "http: {bind: 127.0.0.1, port: 0}\n"
        + "admin: {bind: 127.0.0.1, port: 0}\ngrpc: {bind: 127.0.0.1, port: 0}\n"
        + "upstream: {http: '" + upstream.url() + "'}\ndrainTimeout: " + drainTimeout + "\neventLoops: 1\n");
  }
}
