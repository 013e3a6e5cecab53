package ai.aim.proxy.config;

import java.time.Duration;

/**
 * The admin listener ({@code /health/live}, {@code /health/ready}, {@code /metrics}) and the
 * upstream readiness probe behind {@code /health/ready}. Immutable.
 *
 * @param bind address to listen on
 * @param port TCP port; {@code 0} picks a free one
 * @param readinessPath path on the model server polled for readiness (200 = ready)
 * @param readinessInterval how often it is polled
 */
public record AdminConfig(String bind, int port, String readinessPath, Duration readinessInterval) {

  public static AdminConfig defaults() {
    return new AdminConfig("0.0.0.0", 9090, "/v2/health/ready", Duration.ofSeconds(1));
  }

  public AdminConfig withPort(int newPort) {
    return new AdminConfig(bind, newPort, readinessPath, readinessInterval);
  }

  public AdminConfig withBind(String newBind) {
    return new AdminConfig(newBind, port, readinessPath, readinessInterval);
  }

  public AdminConfig withReadinessInterval(Duration interval) {
    return new AdminConfig(bind, port, readinessPath, interval);
  }
}
