package ai.aim.scheduler.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the injection webhook puts into an opted-in predictor pod: the sidecar's image, its ports,
 * the local port the model server moves to, and the sidecar's resources.
 *
 * <p>Immutable; built once from the scheduler config's {@code webhook:} section.
 *
 * @param sidecarImage image of the sidecar container
 * @param httpPort sidecar HTTP port when the model container declares none
 * @param grpcPort sidecar gRPC port when the model container declares no gRPC port
 * @param adminPort sidecar admin port (health, metrics); the kubelet's readiness probe goes here
 * @param modelServerPort the local port the model server's HTTP listener moves to
 * @param modelServerGrpcPort the local port the model server's gRPC listener moves to
 * @param schedulerAddress {@code host:port} of the scheduler's gRPC service, or empty
 * @param gpuSource the sidecar's {@code --gpu-source}
 * @param drainTimeoutSeconds the sidecar's drain timeout; the pod's grace period covers it
 * @param cpuRequest sidecar CPU request (e.g. {@code 250m})
 * @param memoryRequest sidecar memory request
 * @param memoryLimit sidecar memory limit
 * @param cpuLimit sidecar CPU limit, empty for none (the default: CFS throttling adds latency)
 */
public record InjectionSettings(
    String sidecarImage,
    int httpPort,
    int grpcPort,
    int adminPort,
    int modelServerPort,
    int modelServerGrpcPort,
    String schedulerAddress,
    String gpuSource,
    int drainTimeoutSeconds,
    String cpuRequest,
    String memoryRequest,
    String memoryLimit,
    String cpuLimit) {

  /** The defaults the Helm chart also uses. */
  public static InjectionSettings defaults() {
    return new InjectionSettings(
        "aim-proxy:0.1.0", 8080, 8081, 9090, 8085, 8086, "", "auto", 30, "250m", "256Mi", "512Mi", "");
  }

  public InjectionSettings {
    Objects.requireNonNull(sidecarImage, "sidecarImage");
    List<String> problems = new ArrayList<>();
    port(problems, "httpPort", httpPort);
    port(problems, "grpcPort", grpcPort);
    port(problems, "adminPort", adminPort);
    port(problems, "modelServerPort", modelServerPort);
    port(problems, "modelServerGrpcPort", modelServerGrpcPort);
    if (sidecarImage.isBlank()) {
      problems.add("sidecarImage: empty (expected: an image reference)");
    }
    if (drainTimeoutSeconds < 0 || drainTimeoutSeconds > 3600) {
      problems.add("drainTimeoutSeconds: " + drainTimeoutSeconds + " (expected: 0..3600)");
    }
    if (!List.of("auto", "amdsmi", "sysfs", "simulated", "none").contains(gpuSource)) {
      problems.add("gpuSource: " + gpuSource + " (expected: auto|amdsmi|sysfs|simulated|none)");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("webhook: " + String.join("; ", problems));
    }
    schedulerAddress = schedulerAddress == null ? "" : schedulerAddress;
    cpuLimit = cpuLimit == null ? "" : cpuLimit;
  }

  private static void port(List<String> problems, String key, int value) {
    if (value < 1 || value > 65535) {
      problems.add(key + ": " + value + " (expected: 1..65535)");
    }
  }

  /**
   * Reads the {@code webhook:} section of the scheduler's config; absent keys keep their defaults.
   *
   * @throws IllegalArgumentException naming every bad key
   */
  public static InjectionSettings fromConfig(JsonNode webhook) {
    InjectionSettings d = defaults();
    if (webhook == null || webhook.isMissingNode() || webhook.isNull()) {
      return d;
    }
    JsonNode s = webhook.path("sidecar");
    return new InjectionSettings(
        text(webhook, "sidecarImage", d.sidecarImage()),
        s.path("httpPort").asInt(d.httpPort()),
        s.path("grpcPort").asInt(d.grpcPort()),
        s.path("adminPort").asInt(d.adminPort()),
        s.path("modelServerPort").asInt(d.modelServerPort()),
        s.path("modelServerGrpcPort").asInt(d.modelServerGrpcPort()),
        text(s, "schedulerAddress", d.schedulerAddress()),
        text(s, "gpuSource", d.gpuSource()),
        s.path("drainTimeoutSeconds").asInt(d.drainTimeoutSeconds()),
        text(s.path("resources"), "cpuRequest", d.cpuRequest()),
        text(s.path("resources"), "memoryRequest", d.memoryRequest()),
        text(s.path("resources"), "memoryLimit", d.memoryLimit()),
        text(s.path("resources"), "cpuLimit", d.cpuLimit()));
  }

  private static String text(JsonNode node, String key, String fallback) {
    JsonNode v = node.path(key);
    return v.isValueNode() && !v.isNull() ? v.asText() : fallback;
  }
}
