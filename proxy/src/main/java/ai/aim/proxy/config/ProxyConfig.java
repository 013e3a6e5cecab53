package ai.aim.proxy.config;

import ai.aim.scheduler.client.TlsConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.util.Set;

/**
 * The sidecar's whole configuration: the YAML file ({@code --config}) with the command-line flags
 * applied on top (see {@link ConfigLoader}). Immutable.
 *
 * <p>The sections owned by other parts of the sidecar ({@code admission}, {@code models}, {@code
 * slo}, {@code gpu}) are kept as raw JSON trees ({@link MissingNode} when absent) for those parts
 * to parse and validate themselves.
 *
 * @param http the client-facing HTTP listener and its limits
 * @param grpc the client-facing gRPC listener
 * @param upstream the model server
 * @param admin the admin listener and readiness probe
 * @param eventLoops worker event loop threads; {@code 0} = twice the cores
 * @param drainTimeout how long in-flight requests may take to finish on shutdown
 * @param maxInflight {@code admission.maxInflight} (the {@code --max-inflight} flag): the
 *     concurrency limit towards the model server, {@code null} = admission default
 * @param gpuSource where GPU telemetry comes from: auto, amdsmi, sysfs, simulated or none
 * @param scheduler {@code host:port} of the cluster scheduler, {@code null} for none
 * @param admission raw {@code admission} section
 * @param models raw {@code models} section
 * @param slo raw {@code slo} section
 * @param gpu raw {@code gpu} section
 * @param tls TLS for the HTTP and gRPC listeners, {@code null} for plain TCP
 * @param schedulerTls TLS (and the client certificate for mutual TLS) on the link to the
 *     scheduler, {@code null} for plaintext
 */
public record ProxyConfig(
    HttpConfig http,
    GrpcConfig grpc,
    UpstreamConfig upstream,
    AdminConfig admin,
    int eventLoops,
    Duration drainTimeout,
    Integer maxInflight,
    String gpuSource,
    String scheduler,
    JsonNode admission,
    JsonNode models,
    JsonNode slo,
    JsonNode gpu,
    ListenerTls tls,
    TlsConfig schedulerTls) {

  /** The accepted values of {@link #gpuSource()}. */
  public static final Set<String> GPU_SOURCES = Set.of("auto", "amdsmi", "sysfs", "simulated", "none");

  /** Every setting at its default. */
  public static ProxyConfig defaults() {
    return new ProxyConfig(
        HttpConfig.defaults(),
        GrpcConfig.defaults(),
        UpstreamConfig.defaults(),
        AdminConfig.defaults(),
        0,
        Duration.ofSeconds(30),
        null,
        "auto",
        null,
        MissingNode.getInstance(),
        MissingNode.getInstance(),
        MissingNode.getInstance(),
        MissingNode.getInstance(),
        null,
        null);
  }

  public ProxyConfig withHttp(HttpConfig v) {
    return new ProxyConfig(v, grpc, upstream, admin, eventLoops, drainTimeout, maxInflight, gpuSource,
        scheduler, admission, models, slo, gpu, tls, schedulerTls);
  }

  public ProxyConfig withUpstream(UpstreamConfig v) {
    return new ProxyConfig(http, grpc, v, admin, eventLoops, drainTimeout, maxInflight, gpuSource,
        scheduler, admission, models, slo, gpu, tls, schedulerTls);
  }

  public ProxyConfig withAdmin(AdminConfig v) {
    return new ProxyConfig(http, grpc, upstream, v, eventLoops, drainTimeout, maxInflight, gpuSource,
        scheduler, admission, models, slo, gpu, tls, schedulerTls);
  }

  public ProxyConfig withDrainTimeout(Duration v) {
    return new ProxyConfig(http, grpc, upstream, admin, eventLoops, v, maxInflight, gpuSource,
        scheduler, admission, models, slo, gpu, tls, schedulerTls);
  }

  public ProxyConfig withEventLoops(int v) {
    return new ProxyConfig(http, grpc, upstream, admin, v, drainTimeout, maxInflight, gpuSource,
        scheduler, admission, models, slo, gpu, tls, schedulerTls);
  }

  public ProxyConfig withModels(JsonNode v) {
    return new ProxyConfig(http, grpc, upstream, admin, eventLoops, drainTimeout, maxInflight, gpuSource,
        scheduler, admission, v, slo, gpu, tls, schedulerTls);
  }

  public ProxyConfig withTls(ListenerTls v) {
    return new ProxyConfig(http, grpc, upstream, admin, eventLoops, drainTimeout, maxInflight, gpuSource,
        scheduler, admission, models, slo, gpu, v, schedulerTls);
  }

  public ProxyConfig withSchedulerTls(TlsConfig v) {
    return new ProxyConfig(http, grpc, upstream, admin, eventLoops, drainTimeout, maxInflight, gpuSource,
        scheduler, admission, models, slo, gpu, tls, v);
  }

  /**
   * The configured model names: the keys of {@code models} when it is a mapping, or the {@code
   * name} of each entry when it is a list. Metrics fold every other name into {@code unknown}.
   */
  public Set<String> modelNames() {
    java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
    if (models.isObject()) {
      models.fieldNames().forEachRemaining(names::add);
    } else if (models.isArray()) {
      for (JsonNode m : models) {
        if (m.hasNonNull("name")) {
          names.add(m.get("name").asText());
        }
      }
    }
    if (http.defaultModel() != null) {
      names.add(http.defaultModel());
    }
    return Set.copyOf(names);
  }
}
