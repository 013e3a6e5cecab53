package ai.aim.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ForwardingTest extends ProxyTestBase {

  @Test
  void forwardsGetsAndPostsOverOneKeptAliveHttp11Connection() throws Exception {
    start();
    HttpClient c = client(HttpClient.Version.HTTP_1_1);
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = c.send(
          HttpRequest.newBuilder(URI.create(base() + "/v2/models/resnet/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("ok GET /v2/models/resnet/ready");
    }
    HttpResponse<String> post = c.send(
        HttpRequest.newBuilder(URI.create(base() + "/echo"))
            .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[1,2,3]}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(post.body()).isEqualTo("{\"inputs\":[1,2,3]}");
    await().atMost(Duration.ofSeconds(5)).until(() -> recorder.calls().size() == 4);
    assertThat(recorder.calls()).extracting(c2 -> c2.outcome()).containsOnly(Outcome.OK);
    assertThat(recorder.calls().get(0).model()).isEqualTo("resnet");
  }

  @Test
  void rewritesHostStripsHopByHopAndAddsForwardedFor() throws Exception {
    start();
    String raw = "GET /v2/models/resnet HTTP/1.1\r\nHost: evil.example:80\r\n"
        + "Connection: close, x-secret\r\nx-secret: 1\r\nKeep-Alive: timeout=5\r\n"
        + "Proxy-Authorization: Basic Zm9v\r\nTE: trailers\r\nx-aim-priority: high\r\n\r\n";
    String resp = ai.aim.proxy.testing.RawHttp.exchange(proxy.httpPort(), raw);
    assertThat(resp).startsWith("HTTP/1.1 200");
    TestUpstream.Seen s = upstream.last();
    assertThat(s.header("Host")).isEqualTo("127.0.0.1:" + upstream.port());
    assertThat(s.header("x-secret")).isNull();
    assertThat(s.header("keep-alive")).isNull();
    assertThat(s.header("proxy-authorization")).isNull();
    assertThat(s.header("te")).isNull();
    assertThat(s.header("x-forwarded-for")).isEqualTo("127.0.0.1");
    await().until(() -> recorder.calls().size() == 1);
    assertThat(recorder.calls().get(0).priority()).isEqualTo(Priority.HIGH);
  }

  @Test
  void upgradesToH2cAndServesStreams() throws Exception {
    start();
    HttpClient c = client(HttpClient.Version.HTTP_2);
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = c.send(
          HttpRequest.newBuilder(URI.create(base() + "/v2/models/resnet/ready?i=" + i)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(r.body()).isEqualTo("ok GET /v2/models/resnet/ready?i=" + i);
    }
    HttpResponse<String> post = c.send(
        HttpRequest.newBuilder(URI.create(base() + "/echo"))
            .POST(HttpRequest.BodyPublishers.ofString("abc".repeat(10000)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(post.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(post.body()).isEqualTo("abc".repeat(10000));
  }
}
