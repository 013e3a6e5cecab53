package ai.aim.scheduler.keda;

import java.util.Objects;

/**
 * Cluster-wide settings of the generated ScaledObjects. Immutable, validated value.
 *
 * @param scalerAddress {@code host:port} at which KEDA reaches the scheduler's external scaler
 * @param prometheusServerAddress Prometheus URL for the fallback trigger
 * @param namespace namespace to watch, or {@code null} for all namespaces
 * @param clusterTriggerAuthentication a ClusterTriggerAuthentication the scheduler trigger refers
 *     to (KEDA's client certificate for a scheduler that requires mutual TLS), or empty for none
 */
public record ScaledObjectConfig(
    String scalerAddress, String prometheusServerAddress, String namespace, String clusterTriggerAuthentication) {

  /** Without a trigger authentication (plaintext or server-only TLS to the scheduler). */
  public ScaledObjectConfig(String scalerAddress, String prometheusServerAddress, String namespace) {
    this(scalerAddress, prometheusServerAddress, namespace, "");
  }

  public ScaledObjectConfig {
    clusterTriggerAuthentication = clusterTriggerAuthentication == null ? "" : clusterTriggerAuthentication;
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
