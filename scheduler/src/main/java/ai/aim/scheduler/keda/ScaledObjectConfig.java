package ai.aim.scheduler.keda;

import java.util.Objects;

/**
 * Cluster-wide settings of the generated ScaledObjects. Immutable, validated value.
 *
 * @param scalerAddress {@code host:port} at which KEDA reaches the scheduler's external scaler
 * @param prometheusServerAddress Prometheus URL for the fallback trigger
 * @param namespace namespace to watch, or {@code null} for all namespaces
 */
public record ScaledObjectConfig(String scalerAddress, String prometheusServerAddress, String namespace) {

  public ScaledObjectConfig {
    Objects.requireNonNull(scalerAddress, "scalerAddress");
    Objects.requireNonNull(prometheusServerAddress, "prometheusServerAddress");
    if (!scalerAddress.matches("[A-Za-z0-9.\\-]+:\\d{1,5}")) {
      throw new IllegalArgumentException(
          "scalerAddress: '" + scalerAddress + "' (expected: host:port)");
    }
    if (!prometheusServerAddress.matches("https?://\\S+")) {
      throw new IllegalArgumentException(
          "prometheusServerAddress: '" + prometheusServerAddress + "' (expected: an http(s) URL)");
    }
  }
}
