package ai.aim.sim.engine;

import ai.aim.sim.SimConfig;
import ai.aim.sim.SimStats;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Everything the protocol front ends share: the configuration, the capacity {@link Engine}, the
 * service-time sampler, the readiness flag and the fault-injection dice. Thread-safe; one per
 * running simulator.
 */
public final class Simulator {
  /** What a fault-injection roll decided for one inference request. */
  public enum Fault {
    NONE,
    FAIL,
    HANG
  }

  private final SimConfig config;
  private final Engine engine;
  private final ServiceTimes times;
  private final AtomicBoolean ready = new AtomicBoolean(true);
  private final SplittableRandom faultDice;

  /** Creates the shared state for {@code config}. */
  public Simulator(SimConfig config) {
    this.config = config;
    this.engine = new Engine(
            config.slots(), config.maxQueue(), config.kvCacheTokens(), config.schedulingPolicy());
    this.times =
        new ServiceTimes(
            config.serviceMs(),
            config.serviceDist(),
            config.prefillUsPerToken(),
            config.decodeMsPerToken(),
            config.seed());
    this.faultDice = new SplittableRandom(config.seed() ^ 0x5DEECE66DL);
  }

  public SimConfig config() {
    return config;
  }

  public Engine engine() {
    return engine;
  }

  public ServiceTimes times() {
    return times;
  }

  public boolean ready() {
    return ready.get();
  }

  public void setReady(boolean value) {
    ready.set(value);
  }

  /** True if {@code model} is served. */
  public boolean hasModel(String model) {
    return config.models().contains(model);
  }

  /** Rolls the fault dice for one inference request. */
  public Fault rollFault() {
    if (config.hang()) {
      return Fault.HANG;
    }
    if (config.failRate() > 0) {
      double r;
      synchronized (faultDice) {
        r = faultDice.nextDouble();
      }
      if (r < config.failRate()) {
        engine.failedByInjection();
        return Fault.FAIL;
      }
    }
    return Fault.NONE;
  }

  /** The public snapshot of counters and gauges. */
  public SimStats stats() {
    Engine.Snapshot s = engine.snapshot();
    return new SimStats(
        s.requests(), s.completed(), s.running(), s.waiting(), s.rejected(), s.cancelled(),
        s.failed(), s.preempted(), s.maxConcurrent(), s.kvUsed(), s.kvCapacity(), s.priorities());
  }

  /** Prometheus text exposition of the engine gauges and simulator counters. */
  public String prometheusText() {
    SimStats s = stats();
    String label = "{model_name=\"" + config.models().get(0) + "\"}";
    StringBuilder b = new StringBuilder(1024);
    gauge(b, "vllm:num_requests_running", "Requests in service (holding a slot).", label, s.inFlight());
    gauge(b, "vllm:num_requests_waiting", "Requests waiting for a slot or KV-cache room.", label, s.queued());
    b.append("# HELP vllm:kv_cache_usage_perc KV-cache usage, 0..1 (1 = full).\n");
    b.append("# TYPE vllm:kv_cache_usage_perc gauge\n");
    b.append("vllm:kv_cache_usage_perc").append(label).append(' ').append(s.kvCacheUsage()).append('\n');
    counter(b, "aim_sim_requests_total", "Inference requests received.", s.requests());
    counter(b, "aim_sim_completed_total", "Inference requests answered successfully.", s.completed());
    counter(b, "aim_sim_rejected_total", "Inference requests refused (queue full or too large).", s.rejected());
    counter(b, "aim_sim_cancelled_total", "Inference requests whose client went away.", s.cancelled());
    counter(b, "aim_sim_failed_total", "Inference requests answered with an injected error.", s.failed());
    counter(b, "aim_sim_preemptions_total", "Running requests preempted by higher-priority ones.", s.preempted());
    b.append("# HELP aim_sim_priority_requests_total Requests by the priority value they carried.\n");
    b.append("# TYPE aim_sim_priority_requests_total counter\n");
    s.priorities()
        .forEach(
            (k, v) ->
                b.append("aim_sim_priority_requests_total{priority=\"")
                    .append(k.replace("\\", "\\\\").replace("\"", "\\\""))
                    .append("\"} ")
                    .append(v)
                    .append('\n'));
    return b.toString();
  }

  private static void gauge(StringBuilder b, String name, String help, String label, long v) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" gauge\n");
    b.append(name).append(label).append(' ').append(v).append('\n');
  }

  private static void counter(StringBuilder b, String name, String help, long v) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" counter\n");
    b.append(name).append(' ').append(v).append('\n');
  }
}
