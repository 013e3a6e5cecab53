package ai.aim.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.testing.TestUpstream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM while the sidecar (a child JVM) is under steady load from four keep-alive clients: the
 * readiness probe turns to "draining" while requests are still in flight, the HTTP port stops
 * accepting, every request that reached the model server is answered 200 to its client (none of
 * the admitted ones is lost), anything else was refused cleanly (503) or never got in (connection
 * refused or closed before the request was read), and the process exits with 143 within the
 * drain timeout.
 */
class SigtermUnderLoadTest {

  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(10);
  private static final int CLIENTS = 4;

  @Test
  void underSteadyLoadReadinessFlipsFirstNoAdmittedRequestIsLostAndTheProcessExitsInTime(
      @TempDir Path dir) throws Exception {
    Set<String> reachedUpstream = ConcurrentHashMap.newKeySet();
    Set<String> heldAtUpstream = ConcurrentHashMap.newKeySet();
    AtomicBoolean hold = new AtomicBoolean();
    CountDownLatch release = new CountDownLatch(1);
    try (TestUpstream upstream = new TestUpstream()) {
      upstream.route("/v2/models/resnet/infer", ex -> {
        String id = ex.getRequestHeaders().getFirst("x-test-id");
        reachedUpstream.add(id);
        try {
          if (hold.get()) {
            heldAtUpstream.add(id);
            release.await(30, TimeUnit.SECONDS);
          } else {
            Thread.sleep(5); // a little service time: steady load, not a busy loop
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        TestUpstream.respond(ex, 200, id);
      });
      Path cfg = dir.resolve("aim.yaml");
      Files.writeString(cfg, "http: {bind: 127.0.0.1, port: 0}\n"
          + "admin: {bind: 127.0.0.1, port: 0, readinessInterval: 100ms}\n"
          + "grpc: {bind: 127.0.0.1, port: 0}\nupstream: {http: '" + upstream.url() + "'}\n"
          + "drainTimeout: " + DRAIN_TIMEOUT.toSeconds() + "s\neventLoops: 1\nmodels: {resnet: {}}\n");
      SidecarProcess sidecar = SidecarProcess.start(cfg);
      Process p = sidecar.process;
      List<String> log = sidecar.log;

      AtomicBoolean stop = new AtomicBoolean();
      Set<String> answered200 = ConcurrentHashMap.newKeySet();
      List<String> otherAnswers = new CopyOnWriteArrayList<>();
      AtomicInteger notIn = new AtomicInteger();
      AtomicLong ids = new AtomicLong();
      List<Thread> clients = new ArrayList<>();
      try {
        int[] port = {sidecar.httpPort(60), sidecar.adminPort(60)};
        URI infer = URI.create("http://127.0.0.1:" + port[0] + "/v2/models/resnet/infer");
        URI ready = URI.create("http://127.0.0.1:" + port[1] + "/health/ready");
        HttpClient probe = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        await().atMost(Duration.ofSeconds(30)).until(() -> status(probe, ready) == 200);

        for (int c = 0; c < CLIENTS; c++) {
          Thread t = new Thread(() -> {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
            while (!stop.get()) {
              String id = Long.toString(ids.incrementAndGet());
              try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(infer)
                        .header("x-test-id", id).timeout(Duration.ofSeconds(60))
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().equals(id)) {
                  answered200.add(id);
                } else {
                  otherAnswers.add(id + " " + r.statusCode() + " " + r.body());
                }
              } catch (IOException e) {
                notIn.incrementAndGet();
                sleepQuietly(); // the port is closed now: do not spin
              } catch (InterruptedException e) {
                return;
              }
            }
          }, "load-" + c);
          clients.add(t);
          t.start();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> reachedUpstream.size() >= 100);

        hold.set(true);
        await().atMost(Duration.ofSeconds(30)).until(() -> heldAtUpstream.size() >= 1);
        p.destroy(); // SIGTERM

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
            .until(() -> status(probe, ready) == 503);
        assertThat(p.isAlive()).as("still draining when readiness says so").isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> refuses(port[0]));
        assertThat(p.isAlive()).as("still draining after the port closed").isTrue();
        int held = heldAtUpstream.size();

        release.countDown();
        assertThat(p.waitFor(DRAIN_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS))
            .as("exited within the drain timeout").isTrue();
        assertThat(p.exitValue()).as("exit status after SIGTERM").isEqualTo(128 + 15);
        stop.set(true);
        for (Thread t : clients) {
          t.join(30_000);
        }

        assertThat(held).isPositive();
        assertThat(answered200).as("every request that reached the model server was answered")
            .containsAll(reachedUpstream);
        assertThat(answered200).containsAll(heldAtUpstream).hasSizeGreaterThanOrEqualTo(100);
        assertThat(otherAnswers).as("refusals while draining").allSatisfy(
            a -> assertThat(a.split(" ")[1]).isEqualTo("503"));
        assertThat(log).noneMatch(l -> l.contains("drain timeout of"));
      } finally {
        stop.set(true);
        release.countDown();
        sidecar.close();
        for (Thread t : clients) {
          t.interrupt();
        }
      }
    }
  }

  private static int status(HttpClient client, URI uri) {
    try {
      return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static boolean refuses(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      return false;
    } catch (ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void sleepQuietly() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
