package ai.aim.proxy.config;

import java.net.URI;
import java.time.Duration;

/**
 * The model server the sidecar forwards to: the only destination it ever forwards to. Immutable.
 *
 * @param http base URL of the HTTP endpoint ({@code http://host:port}, no path)
 * @param grpc {@code host:port} of the gRPC endpoint
 * @param protocol HTTP/1.1 or h2c prior knowledge
 * @param connectTimeout how long a new connection may take (then 503)
 * @param responseTimeout how long the model server may take to start its answer once the request
 *     is sent (then 504)
 * @param maxIdlePerLoop keep-alive connections kept idle per event loop
 */
public record UpstreamConfig(
    URI http,
    String grpc,
    UpstreamProtocol protocol,
    Duration connectTimeout,
    Duration responseTimeout,
    int maxIdlePerLoop) {

  public static UpstreamConfig defaults() {
    return new UpstreamConfig(
        URI.create("http://127.0.0.1:8000"),
        "127.0.0.1:8001",
        UpstreamProtocol.HTTP1,
        Duration.ofSeconds(2),
        Duration.ofSeconds(120),
        64);
  }

  /** The host to connect to. */
  public String host() {
    return http.getHost();
  }

  /** The port to connect to (80 when the URL names none). */
  public int port() {
    return http.getPort() < 0 ? 80 : http.getPort();
  }

  /** The value of the {@code Host} header sent upstream. */
  public String authority() {
    return http.getPort() < 0 ? http.getHost() : http.getHost() + ":" + http.getPort();
  }

  public UpstreamConfig withHttp(URI newHttp) {
    return new UpstreamConfig(newHttp, grpc, protocol, connectTimeout, responseTimeout, maxIdlePerLoop);
  }

  public UpstreamConfig withProtocol(UpstreamProtocol newProtocol) {
    return new UpstreamConfig(http, grpc, newProtocol, connectTimeout, responseTimeout, maxIdlePerLoop);
  }

  public UpstreamConfig withResponseTimeout(Duration newTimeout) {
    return new UpstreamConfig(http, grpc, protocol, connectTimeout, newTimeout, maxIdlePerLoop);
  }
}
