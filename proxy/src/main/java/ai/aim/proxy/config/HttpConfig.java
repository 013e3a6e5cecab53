package ai.aim.proxy.config;

import java.time.Duration;

/**
 * The client-facing HTTP listener (HTTP/1.1 and h2c on one port) and its limits. Immutable.
 *
 * @param bind address to listen on
 * @param port TCP port; {@code 0} picks a free one
 * @param maxInitialLineLength longest request line (414 beyond)
 * @param maxHeaderSize largest header block in bytes (431 beyond)
 * @param maxBodySize largest request body in bytes (413 beyond)
 * @param maxUpgradeBodySize largest body of an HTTP/1.1 request that asks to upgrade to h2c (such
 *     a request is held whole while the connection switches protocol)
 * @param idleTimeout a client connection with no request in flight and no traffic for this long
 *     is closed
 * @param defaultModel the model of requests whose path names none (OpenAI-style) and that carry no
 *     {@code x-aim-model} header; {@code null} for none
 */
public record HttpConfig(
    String bind,
    int port,
    int maxInitialLineLength,
    int maxHeaderSize,
    long maxBodySize,
    int maxUpgradeBodySize,
    Duration idleTimeout,
    String defaultModel) {

  public static HttpConfig defaults() {
    return new HttpConfig(
        "0.0.0.0", 8080, 8192, 16 * 1024, 256L * 1024 * 1024, 1024 * 1024, Duration.ofSeconds(60), null);
  }

  /** A copy with another model for requests that name none. */
  public HttpConfig withDefaultModel(String model) {
    return new HttpConfig(
        bind, port, maxInitialLineLength, maxHeaderSize, maxBodySize, maxUpgradeBodySize, idleTimeout,
        model);
  }

  public HttpConfig withPort(int newPort) {
    return new HttpConfig(
        bind, newPort, maxInitialLineLength, maxHeaderSize, maxBodySize, maxUpgradeBodySize, idleTimeout,
        defaultModel);
  }

  public HttpConfig withBind(String newBind) {
    return new HttpConfig(
        newBind, port, maxInitialLineLength, maxHeaderSize, maxBodySize, maxUpgradeBodySize, idleTimeout,
        defaultModel);
  }
}
