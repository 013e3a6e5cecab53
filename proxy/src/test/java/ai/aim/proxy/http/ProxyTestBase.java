package ai.aim.proxy.http;

import ai.aim.proxy.ProxyServer;
import ai.aim.proxy.config.AdminConfig;
import ai.aim.proxy.config.HttpConfig;
import ai.aim.proxy.config.ProxyConfig;
import ai.aim.proxy.config.UpstreamConfig;
import ai.aim.proxy.testing.Recorder;
import ai.aim.proxy.testing.TestUpstream;
import ai.aim.proxy.transport.Transport;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** Shared set-up: one transport for the class, a fresh upstream and sidecar per test. */
abstract class ProxyTestBase {

  static Transport transport;
  TestUpstream upstream;
  ProxyServer proxy;
  final Recorder recorder = new Recorder();

  @BeforeAll
  static void transport() {
    transport = Transport.create(2);
  }

  @AfterAll
  static void stopTransport() {
    transport.close();
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  static ProxyConfig baseConfig(String upstreamUrl) {
    ProxyConfig c = ProxyConfig.defaults();
    return c.withHttp(HttpConfig.defaults().withBind("127.0.0.1").withPort(0))
        .withAdmin(AdminConfig.defaults().withBind("127.0.0.1").withPort(0)
            .withReadinessInterval(Duration.ofMillis(100)))
        .withUpstream(UpstreamConfig.defaults().withHttp(URI.create(upstreamUrl)))
        .withDrainTimeout(Duration.ofSeconds(5))
        .withModels(new ObjectMapper().createObjectNode().set("resnet", new ObjectMapper().createObjectNode()));
  }

  ProxyServer start(UnaryOperator<ProxyConfig> tweak) throws Exception {
    if (upstream == null) {
      upstream = new TestUpstream();
    }
    proxy = ProxyServer.builder(tweak.apply(baseConfig(upstream.url())))
        .transport(transport)
        .observer(recorder)
        .start();
    return proxy;
  }

  ProxyServer start() throws Exception {
    return start(c -> c);
  }

  String base() {
    return "http://127.0.0.1:" + proxy.httpPort();
  }

  static HttpClient client(HttpClient.Version v) {
    return HttpClient.newBuilder().version(v).connectTimeout(Duration.ofSeconds(5)).build();
  }
}
