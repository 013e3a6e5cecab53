package ai.aim.bench.load;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code aim-bench load}: one open-loop run against one target (Poisson or trace arrivals), then a
 * text table, optionally a JSON result and a timeline PNG. Loopback targets only.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = "Open-loop load (Poisson or Azure-trace arrivals) with a priority mix against one target; "
        + "latency per priority corrected for coordinated omission, goodput, 429s.")
public final class LoadCommand implements Callable<Integer> {

  @Option(names = "--target", required = true, description = "Base URL, loopback only (e.g. http://127.0.0.1:8080).")
  URI target;

  @Option(names = "--label", description = "Name of the target in reports (default: the URL).")
  String label;

  @Option(names = "--model", description = "Model name (default ${DEFAULT-VALUE}).")
  String model = "demo";

  @Option(names = "--rate", description = "Poisson arrivals per second (default ${DEFAULT-VALUE}).")
  double rate = 100;

  @Option(names = "--duration", description = "Seconds of arrivals (default ${DEFAULT-VALUE}).")
  double duration = 20;

  @Option(names = "--max-requests", description = "Upper bound on requests (default ${DEFAULT-VALUE}).")
  int maxRequests = 200_000;

  @Option(names = "--mix", split = ",", description = "HIGH,MEDIUM,LOW weights (default 10,30,60).")
  double[] mix = {10, 30, 60};

  @Option(names = "--tenant", description = "name:weight:promptTokens, repeatable; sends x-aim-tenant.")
  List<String> tenants = new ArrayList<>();

  @Option(names = "--burst", description = "COUNT:PERIOD_MS:CLASS[:OFFSET_MS], repeatable: COUNT requests of "
      + "CLASS at the same instant every PERIOD_MS (first at OFFSET_MS), on top of the Poisson arrivals.")
  List<String> bursts = new ArrayList<>();

  @Option(names = "--no-tenant-header", description = "Account tenants apart but do not send x-aim-tenant.")
  boolean noTenantHeader;

  @Option(names = "--prompt-tokens", description = "Prompt size without tenants (default ${DEFAULT-VALUE}).")
  int promptTokens = 16;

  @Option(names = "--max-tokens", description = "max_tokens of each request (default ${DEFAULT-VALUE}).")
  int maxTokens = 1;

  @Option(names = "--trace", description = "CSV trace TIMESTAMP,ContextTokens,GeneratedTokens (replaces Poisson).")
  Path trace;

  @Option(names = "--trace-speedup", description = "Replay the trace this many times faster (default ${DEFAULT-VALUE}).")
  double traceSpeedup = 1;

  @Option(names = "--trace-token-cap", description = "Cap on a trace row's token counts (default ${DEFAULT-VALUE}).")
  int traceTokenCap = 8192;

  @Option(names = "--seed", description = "Seed of arrivals and mix (default ${DEFAULT-VALUE}).")
  long seed = 1;

  @Option(names = "--timeout-ms", description = "Per-request timeout (default ${DEFAULT-VALUE}).")
  long timeoutMs = 30_000;

  @Option(names = "--warmup", description = "Seconds of the same load sent first and not counted (default ${DEFAULT-VALUE}).")
  double warmup = 0;

  @Option(names = "--probe", converter = ProbeSpec.Converter.class, paramLabel = "RATE:CLASS",
      description = "Also send CLASS (high|medium|low) requests at RATE per second (<= 1000) from one thread over one "
          + "blocking HTTP/1.1 socket, one at a time, timed apart from the main load (e.g. 20:low). Same warm-up.")
  ProbeSpec probe;

  @Option(names = "--json", description = "Write the JSON result here.")
  Path json;

  @Option(names = "--png", description = "Write the throughput/429 timeline PNG here.")
  Path png;

  @Override
  public Integer call() throws Exception {
    String host = target.getHost();
    if (!("127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host) || host.startsWith("127."))) {
      System.err.println("--target: " + target + " (expected: a loopback address)");
      return 2;
    }
    if (mix.length != 3) {
      System.err.println("--mix: " + mix.length + " values (expected: 3, HIGH,MEDIUM,LOW)");
      return 2;
    }
    if (probe != null && !"http".equalsIgnoreCase(target.getScheme())) {
      System.err.println("--probe: target " + target + " (expected: an http:// target, the probe speaks plain HTTP/1.1)");
      return 2;
    }
    long nanos = (long) (duration * 1e9);
    List<PlannedRequest> plan;
    if (trace != null) {
      plan = Arrivals.trace(trace, traceSpeedup, nanos, maxRequests, mix, traceTokenCap, seed);
      System.out.printf("trace %s replayed %.2fx faster: %d requests in %.1f s%n", trace, traceSpeedup,
          plan.size(), plan.isEmpty() ? 0 : plan.get(plan.size() - 1).offsetNanos() / 1e9);
    } else {
      plan = Arrivals.poisson(rate, nanos, maxRequests, mix, tenants.stream().map(TenantSpec::parse).toList(),
          promptTokens, maxTokens, seed);
      System.out.printf("poisson %.1f/s for %.1f s: %d requests, mix %s%n", rate, duration, plan.size(),
          java.util.Arrays.toString(mix));
      plan = Arrivals.withBursts(plan, burstSpecs(), nanos, promptTokens, maxTokens);
      if (!bursts.isEmpty()) {
        System.out.printf("with bursts %s: %d requests%n", bursts, plan.size());
      }
    }
    String name = label == null ? target.toString() : label;
    if (warmup > 0 && trace == null) {
      List<PlannedRequest> warm = Arrivals.withBursts(
          Arrivals.poisson(rate, (long) (warmup * 1e9), maxRequests, mix,
              tenants.stream().map(TenantSpec::parse).toList(), promptTokens, maxTokens, seed + 1),
          burstSpecs(), (long) (warmup * 1e9), promptTokens, maxTokens);
      new LoadRun(new LoadRun.Options(target, model, Duration.ofMillis(timeoutMs), name, !noTenantHeader), warm,
          probePlan((long) (warmup * 1e9))).run(null);
      System.out.printf("warm-up: %d requests in %.1f s, not counted%n", warm.size(), warmup);
    }
    // A trace may end before --duration: the probe spans the plan then.
    long probeNanos = trace == null || plan.isEmpty() ? nanos : plan.get(plan.size() - 1).offsetNanos() + 1;
    LoadRun run = new LoadRun(new LoadRun.Options(target, model, Duration.ofMillis(timeoutMs), name,
        !noTenantHeader), plan, probePlan(probeNanos));
    LoadResult result = run.run(null);
    result.print(System.out);
    if (json != null) {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), result);
    }
    if (png != null) {
      LoadPlots.timeline(result, png);
    }
    return 0;
  }

  /** The probe over {@code nanos}, sized like the main load's requests without a tenant; null without --probe. */
  private ProbePlan probePlan(long nanos) {
    return probe == null ? null : ProbePlan.of(probe, nanos, promptTokens, maxTokens);
  }

  private List<Arrivals.Burst> burstSpecs() {
    return bursts.stream().map(Arrivals.Burst::parse).toList();
  }
}
