package ai.aim.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Command line of the simulated model server: {@code java -jar aim-model-sim.jar [flags]}.
 * Values come from the defaults, then the YAML file of {@code --config} (keys are the flag names
 * without the leading dashes), then the flags. Runs until SIGTERM or Ctrl-C, then closes cleanly.
 */
@Command(
    name = "aim-model-sim",
    mixinStandardHelpOptions = true,
    version = "aim-model-sim 0.1.0",
    sortOptions = false,
    description = {
      "Simulated model server: KServe v2 (REST and gRPC), KServe v1, OpenAI-compatible",
      "completions with SSE streaming, and a GPU-like capacity model (slots, queue, KV cache)."
    })
public final class Main implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "YAML file with the same keys as the flags (e.g. 'http-port: 8000').")
  Path configFile;

  @Option(names = "--host", paramLabel = "ADDR", description = "Bind address (default: 0.0.0.0).")
  String host;

  @Option(names = "--http-port", paramLabel = "PORT", description = "REST port, HTTP/1.1 and h2c (default: 8000; 0 = any free port).")
  Integer httpPort;

  @Option(names = "--grpc-port", paramLabel = "PORT", description = "gRPC port (default: 8001; 0 = any free port; -1 = off).")
  Integer grpcPort;

  @Option(names = "--model", paramLabel = "NAME", description = "Model name served; repeatable (default: demo).")
  List<String> models;

  @Option(names = "--slots", paramLabel = "N", description = "Concurrent requests in service (default: 4).")
  Integer slots;

  @Option(names = "--max-queue", paramLabel = "N", description = "Requests allowed to wait; beyond, 503 (default: 1024).")
  Integer maxQueue;

  @Option(names = "--service-ms", paramLabel = "MS", description = "Mean base service time per request (default: 50).")
  Double serviceMs;

  @Option(names = "--service-dist", paramLabel = "DIST", description = "constant|exponential|lognormal|uniform (default: constant).")
  String serviceDist;

  @Option(names = "--prefill-us-per-token", paramLabel = "US", description = "Prefill cost per context token, microseconds (default: 0).")
  Double prefillUsPerToken;

  @Option(names = "--decode-ms-per-token", paramLabel = "MS", description = "Decode cost per generated token, milliseconds (default: 0).")
  Double decodeMsPerToken;

  @Option(names = "--scheduling-policy", paramLabel = "POLICY", description = "fcfs|priority: priority starts waiting requests by their priority value (lower first) and preempts lower-priority running ones for a higher arrival (default: fcfs).")
  String schedulingPolicy;

  @Option(names = "--kv-cache-tokens", paramLabel = "N", description = "Simulated KV-cache capacity in tokens (default: 1000000).")
  Long kvCacheTokens;

  @Option(names = "--default-max-tokens", paramLabel = "N", description = "Tokens generated when a request gives no max_tokens (default: 16).")
  Integer defaultMaxTokens;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of the service-time and fault random generators (default: 42).")
  Long seed;

  @Option(names = "--fail-rate", paramLabel = "P", description = "Fault: share of inference requests answered with 500 / INTERNAL (default: 0).")
  Double failRate;

  @Option(names = "--hang", description = "Fault: accept inference requests and never answer.")
  Boolean hang;

  @Option(names = "--reset-after-bytes", paramLabel = "N", description = "Fault: close the connection after N response-body bytes (default: 0 = never).")
  Long resetAfterBytes;

  @Option(names = "--event-loops", paramLabel = "N", description = "Netty event-loop threads (default: 0 = 2 x cores).")
  Integer eventLoops;

  /** Config-file keys: the long flag names without dashes ("model" or "models" for the list). */
  static final Set<String> KEYS = new TreeSet<>(List.of(
      "host", "http-port", "grpc-port", "model", "models", "slots", "max-queue", "service-ms",
      "service-dist", "prefill-us-per-token", "decode-ms-per-token", "kv-cache-tokens",
      "default-max-tokens", "seed", "fail-rate", "hang", "reset-after-bytes", "event-loops",
      "scheduling-policy"));

  /** Entry point; exits with 0 after a clean shutdown, 2 on bad flags or values, 1 on failure. */
  public static void main(String[] args) {
    int code = commandLine().execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, line, parsed) -> {
      if (ex instanceof IllegalArgumentException) {
        line.getErr().println("aim-model-sim: " + ex.getMessage());
        return 2;
      }
      line.getErr().println("aim-model-sim: " + ex);
      return 1;
    });
    return cl;
  }

  /** Resolves defaults, the config file and the flags into a validated configuration. */
  SimConfig resolve() throws IOException {
    SimConfig.Builder b = SimConfig.builder();
    if (configFile != null) {
      applyYaml(b, configFile);
    }
    if (host != null) b.host(host);
    if (httpPort != null) b.httpPort(httpPort);
    if (grpcPort != null) b.grpcPort(grpcPort);
    if (models != null) b.models(models);
    if (slots != null) b.slots(slots);
    if (maxQueue != null) b.maxQueue(maxQueue);
    if (serviceMs != null) b.serviceMs(serviceMs);
    if (serviceDist != null) b.serviceDist(ServiceDistribution.parse(serviceDist));
    if (prefillUsPerToken != null) b.prefillUsPerToken(prefillUsPerToken);
    if (decodeMsPerToken != null) b.decodeMsPerToken(decodeMsPerToken);
    if (kvCacheTokens != null) b.kvCacheTokens(kvCacheTokens);
    if (schedulingPolicy != null) b.schedulingPolicy(SchedulingPolicy.parse(schedulingPolicy));
    if (defaultMaxTokens != null) b.defaultMaxTokens(defaultMaxTokens);
    if (seed != null) b.seed(seed);
    if (failRate != null) b.failRate(failRate);
    if (hang != null) b.hang(hang);
    if (resetAfterBytes != null) b.resetAfterBytes(resetAfterBytes);
    if (eventLoops != null) b.eventLoops(eventLoops);
    return b.build();
  }

  static void applyYaml(SimConfig.Builder b, Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("config: " + file + " (expected: a readable YAML file)");
    }
    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
    if (root == null || root.isMissingNode() || root.isNull()) {
      return;
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("config " + file + ": " + root.getNodeType() + " (expected: a mapping of keys)");
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String k = e.getKey();
      JsonNode v = e.getValue();
      switch (k) {
        case "host" -> b.host(text(k, v));
        case "http-port" -> b.httpPort((int) integer(k, v));
        case "grpc-port" -> b.grpcPort((int) integer(k, v));
        case "model", "models" -> {
          List<String> names = new ArrayList<>();
          if (v.isArray()) {
            v.forEach(n -> names.add(text(k, n)));
          } else {
            names.add(text(k, v));
          }
          b.models(names);
        }
        case "slots" -> b.slots((int) integer(k, v));
        case "max-queue" -> b.maxQueue((int) integer(k, v));
        case "service-ms" -> b.serviceMs(number(k, v));
        case "service-dist" -> b.serviceDist(ServiceDistribution.parse(text(k, v)));
        case "prefill-us-per-token" -> b.prefillUsPerToken(number(k, v));
        case "decode-ms-per-token" -> b.decodeMsPerToken(number(k, v));
        case "kv-cache-tokens" -> b.kvCacheTokens(integer(k, v));
        case "scheduling-policy" -> b.schedulingPolicy(SchedulingPolicy.parse(text(k, v)));
        case "default-max-tokens" -> b.defaultMaxTokens((int) integer(k, v));
        case "seed" -> b.seed(integer(k, v));
        case "fail-rate" -> b.failRate(number(k, v));
        case "hang" -> {
          if (!v.isBoolean()) {
            throw new IllegalArgumentException("config hang: " + v + " (expected: true or false)");
          }
          b.hang(v.asBoolean());
        }
        case "reset-after-bytes" -> b.resetAfterBytes(integer(k, v));
        case "event-loops" -> b.eventLoops((int) integer(k, v));
        default -> throw new IllegalArgumentException("config key '" + k + "' (expected one of " + KEYS + ")");
      }
    }
  }

  private static String text(String k, JsonNode v) {
    if (!v.isTextual()) {
      throw new IllegalArgumentException("config " + k + ": " + v + " (expected: a string)");
    }
    return v.asText();
  }

  private static long integer(String k, JsonNode v) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("config " + k + ": " + v + " (expected: an integer)");
    }
    long l = v.asLong();
    if (!k.equals("seed") && !k.equals("kv-cache-tokens") && !k.equals("reset-after-bytes")
        && (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE)) {
      throw new IllegalArgumentException("config " + k + ": " + v + " (expected: a 32-bit integer)");
    }
    return l;
  }

  private static double number(String k, JsonNode v) {
    if (!v.isNumber()) {
      throw new IllegalArgumentException("config " + k + ": " + v + " (expected: a number)");
    }
    return v.asDouble();
  }

  @Override
  public Integer call() throws Exception {
    SimConfig config = resolve();
    ModelSim sim = ModelSim.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sim.close();
      stopped.countDown();
    }, "aim-model-sim-shutdown"));
    PrintWriter out = new PrintWriter(System.out, true);
    out.printf("aim-model-sim: http=%d grpc=%d models=%s slots=%d service-ms=%s (%s) scheduling=%s%n",
        sim.httpPort(), sim.grpcPort(), config.models(), config.slots(), config.serviceMs(),
        config.serviceDist().name().toLowerCase(java.util.Locale.ROOT),
        config.schedulingPolicy().name().toLowerCase(java.util.Locale.ROOT));
    stopped.await();
    return 0;
  }
}
