package ai.aim.sim;

import java.util.List;
import java.util.Objects;

/**
 * Immutable configuration of one simulated model server. Built with {@link #builder()}; every
 * value is validated by {@link Builder#build()} with a message naming the key and the expected
 * range. Durations are in milliseconds or microseconds as their names say.
 *
 * @param host address both listeners bind to
 * @param httpPort REST port (HTTP/1.1 and h2c); 0 picks a free port
 * @param grpcPort gRPC port; 0 picks a free port, -1 disables gRPC
 * @param models model names served (the first is the default for OpenAI requests without one)
 * @param slots concurrent requests in service (the simulated GPU's batch slots)
 * @param maxQueue requests allowed to wait when all slots (or the KV cache) are busy; more get 503
 * @param serviceMs mean base service time per request
 * @param serviceDist distribution of the base service time
 * @param prefillUsPerToken prefill cost per context (prompt) token, microseconds
 * @param decodeMsPerToken decode cost per generated token, milliseconds
 * @param kvCacheTokens capacity of the simulated KV cache in tokens
 * @param defaultMaxTokens tokens generated when an OpenAI request gives no {@code max_tokens}
 * @param seed seed of the service-time random generator (runs are repeatable)
 * @param failRate probability in [0,1] that an inference is answered with an error
 * @param hang accept inference requests but never answer them
 * @param resetAfterBytes close the connection after this many response-body bytes (0: never)
 * @param eventLoops Netty event-loop threads (0: Netty's default, twice the cores)
 * @param schedulingPolicy the engine's queue order, and whether it preempts by priority
 */
public record SimConfig(
    String host,
    int httpPort,
    int grpcPort,
    List<String> models,
    int slots,
    int maxQueue,
    double serviceMs,
    ServiceDistribution serviceDist,
    double prefillUsPerToken,
    double decodeMsPerToken,
    long kvCacheTokens,
    int defaultMaxTokens,
    long seed,
    double failRate,
    boolean hang,
    long resetAfterBytes,
    int eventLoops,
    SchedulingPolicy schedulingPolicy) {

  /** Validates and copies. */
  public SimConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(serviceDist, "serviceDist");
    Objects.requireNonNull(schedulingPolicy, "schedulingPolicy");
    models = List.copyOf(models);
    check(!host.isBlank(), "host: '' (expected: an address or host name)");
    check(httpPort >= 0 && httpPort <= 65535, "httpPort: " + httpPort + " (expected: 0..65535)");
    check(
        grpcPort >= -1 && grpcPort <= 65535,
        "grpcPort: " + grpcPort + " (expected: 0..65535, or -1 to disable)");
    check(!models.isEmpty(), "models: [] (expected: at least one model name)");
    for (String m : models) {
      check(
          m.matches("[A-Za-z0-9][A-Za-z0-9._-]*"),
          "model: '" + m + "' (expected: letters, digits, '.', '_' or '-')");
    }
    check(slots >= 1, "slots: " + slots + " (expected: >= 1)");
    check(maxQueue >= 0, "maxQueue: " + maxQueue + " (expected: >= 0)");
    check(serviceMs >= 0 && Double.isFinite(serviceMs), "serviceMs: " + serviceMs + " (expected: >= 0)");
    check(
        prefillUsPerToken >= 0 && Double.isFinite(prefillUsPerToken),
        "prefillUsPerToken: " + prefillUsPerToken + " (expected: >= 0)");
    check(
        decodeMsPerToken >= 0 && Double.isFinite(decodeMsPerToken),
        "decodeMsPerToken: " + decodeMsPerToken + " (expected: >= 0)");
    check(kvCacheTokens >= 1, "kvCacheTokens: " + kvCacheTokens + " (expected: >= 1)");
    check(defaultMaxTokens >= 1, "defaultMaxTokens: " + defaultMaxTokens + " (expected: >= 1)");
    check(failRate >= 0 && failRate <= 1, "failRate: " + failRate + " (expected: 0..1)");
    check(resetAfterBytes >= 0, "resetAfterBytes: " + resetAfterBytes + " (expected: >= 0)");
    check(eventLoops >= 0, "eventLoops: " + eventLoops + " (expected: >= 0)");
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** A builder with the CLI's defaults (ports 8000/8001, one model {@code demo}, 4 slots). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    return new Builder()
        .host(host)
        .httpPort(httpPort)
        .grpcPort(grpcPort)
        .models(models)
        .slots(slots)
        .maxQueue(maxQueue)
        .serviceMs(serviceMs)
        .serviceDist(serviceDist)
        .prefillUsPerToken(prefillUsPerToken)
        .decodeMsPerToken(decodeMsPerToken)
        .kvCacheTokens(kvCacheTokens)
        .defaultMaxTokens(defaultMaxTokens)
        .seed(seed)
        .failRate(failRate)
        .hang(hang)
        .resetAfterBytes(resetAfterBytes)
        .eventLoops(eventLoops)
        .schedulingPolicy(schedulingPolicy);
  }

  /** Mutable builder of {@link SimConfig}; not thread-safe. */
  public static final class Builder {
    private String host = "0.0.0.0";
    private int httpPort = 8000;
    private int grpcPort = 8001;
    private List<String> models = List.of("demo");
    private int slots = 4;
    private int maxQueue = 1024;
    private double serviceMs = 50;
    private ServiceDistribution serviceDist = ServiceDistribution.CONSTANT;
    private double prefillUsPerToken = 0;
    private double decodeMsPerToken = 0;
    private long kvCacheTokens = 1_000_000;
    private int defaultMaxTokens = 16;
    private long seed = 42;
    private double failRate = 0;
    private boolean hang = false;
    private long resetAfterBytes = 0;
    private int eventLoops = 0;
    private SchedulingPolicy schedulingPolicy = SchedulingPolicy.FCFS;

    private Builder() {}

    public Builder host(String v) { host = v; return this; }
    public Builder httpPort(int v) { httpPort = v; return this; }
    public Builder grpcPort(int v) { grpcPort = v; return this; }
    public Builder models(List<String> v) { models = List.copyOf(v); return this; }
    public Builder model(String... v) { models = List.of(v); return this; }
    public Builder slots(int v) { slots = v; return this; }
    public Builder maxQueue(int v) { maxQueue = v; return this; }
    public Builder serviceMs(double v) { serviceMs = v; return this; }
    public Builder serviceDist(ServiceDistribution v) { serviceDist = v; return this; }
    public Builder prefillUsPerToken(double v) { prefillUsPerToken = v; return this; }
    public Builder decodeMsPerToken(double v) { decodeMsPerToken = v; return this; }
    public Builder kvCacheTokens(long v) { kvCacheTokens = v; return this; }
    public Builder defaultMaxTokens(int v) { defaultMaxTokens = v; return this; }
    public Builder seed(long v) { seed = v; return this; }
    public Builder failRate(double v) { failRate = v; return this; }
    public Builder hang(boolean v) { hang = v; return this; }
    public Builder resetAfterBytes(long v) { resetAfterBytes = v; return this; }
    public Builder eventLoops(int v) { eventLoops = v; return this; }
    public Builder schedulingPolicy(SchedulingPolicy v) { schedulingPolicy = v; return this; }

    /** Validates and builds; throws {@link IllegalArgumentException} naming the bad key. */
    public SimConfig build() {
      return new SimConfig(
          host, httpPort, grpcPort, models, slots, maxQueue, serviceMs, serviceDist,
          prefillUsPerToken, decodeMsPerToken, kvCacheTokens, defaultMaxTokens, seed, failRate,
          hang, resetAfterBytes, eventLoops, schedulingPolicy);
    }
  }
}
