package ai.aim.bench.demo;

import ai.aim.proxy.ProxyServer;
import ai.aim.proxy.config.AdminConfig;
import ai.aim.proxy.config.HttpConfig;
import ai.aim.proxy.config.ProxyConfig;
import ai.aim.proxy.metrics.AdmissionGauges;
import ai.aim.proxy.metrics.AimMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import ai.aim.sim.ModelSim;
import ai.aim.sim.SimConfig;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code aim-bench demo}: starts a model server and the sidecar in this process on free loopback
 * ports, sends a short burst of traffic through the sidecar, prints what came back, then overloads
 * model-sim through the sidecar with mixed priorities ({@link OverloadDemo}) and exits.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Start a model server and the sidecar on free ports, send a short burst of "
        + "traffic through the sidecar, print status codes and latencies, and exit.")
public final class DemoCommand implements Callable<Integer> {

  static final String MODEL = "resnet50";
  static final String LLM = "llama-3-8b";

  @Option(names = "--requests", description = "Requests per traffic source (default ${DEFAULT-VALUE}).")
  int requests = 120;

  @Option(names = "--overload-seconds",
      description = "Seconds of the mixed-priority overload after the burst; 0 skips it (default ${DEFAULT-VALUE}).")
  double overloadSeconds = 15;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    try (ModelSim model = ModelSim.start(SimConfig.builder()
        .host("127.0.0.1").httpPort(0).grpcPort(0).model(MODEL, LLM).slots(8).serviceMs(3).build())) {
      ObjectNode models = JsonNodeFactory.instance.objectNode();
      models.putObject(MODEL);
      models.putObject(LLM);
      ProxyConfig config = ProxyConfig.defaults()
          .withHttp(HttpConfig.defaults().withBind("127.0.0.1").withPort(0))
          .withAdmin(AdminConfig.defaults().withBind("127.0.0.1").withPort(0)
              .withReadinessInterval(Duration.ofMillis(200)))
          .withUpstream(ProxyConfig.defaults().upstream().withHttp(URI.create(model.httpBaseUrl())))
          .withDrainTimeout(Duration.ofSeconds(5))
          .withModels(models);
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      AimMetrics metrics = new AimMetrics(registry, List.of(MODEL, LLM), AdmissionGauges.NONE, null, null);
      try (ProxyServer sidecar = ProxyServer.builder(config).registry(registry).observer(metrics).start()) {
        String base = "http://127.0.0.1:" + sidecar.httpPort();
        out.println("model server : " + model.httpBaseUrl() + " (model-sim: KServe v2 + OpenAI SSE, 8 slots)");
        out.println("sidecar      : " + base + " (HTTP/1.1 + h2c), transport " + sidecar.transport().name());
        out.println("admin        : http://127.0.0.1:" + sidecar.adminPort() + "  (/health/ready, /metrics)");
        out.println();
        out.printf("%-26s %9s  %-22s %9s %9s%n", "traffic", "requests", "status codes", "p50 ms", "p99 ms");
        for (TrafficSource source : sources()) {
          List<TrafficSource.Result> results = source.run(base, requests);
          out.printf("%-26s %9d  %-22s %9.2f %9.2f%n", source.name(), results.size(),
              statusCounts(results), percentile(results, 0.50), percentile(results, 0.99));
        }
        out.println();
        HttpResponse<String> scrape = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.adminPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        out.println("/metrics (" + scrape.statusCode() + "), the sidecar's own lines:");
        scrape.body().lines()
            .filter(l -> l.startsWith("aim_http_") || l.startsWith("aim_model_requests_total"))
            .filter(l -> !l.endsWith(" 0.0"))
            .limit(16)
            .forEach(l -> out.println("  " + l));
      }
    }
    if (overloadSeconds > 0) {
      OverloadDemo.run(out, overloadSeconds);
    }
    return 0;
  }

  /** Every kind of traffic the demo sends; a gRPC source joins this list. */
  static List<TrafficSource> sources() {
    return List.of(
        HttpTraffic.kserveV2("kserve v2 over http/1.1", HttpClient.Version.HTTP_1_1, MODEL),
        HttpTraffic.kserveV2("kserve v2 over h2c", HttpClient.Version.HTTP_2, MODEL),
        HttpTraffic.openAiStream("openai sse over http/1.1", LLM));
  }

  static String statusCounts(List<TrafficSource.Result> results) {
    Map<Integer, Integer> counts = new TreeMap<>();
    for (TrafficSource.Result r : results) {
      counts.merge(r.status(), 1, Integer::sum);
    }
    StringBuilder sb = new StringBuilder();
    counts.forEach((s, n) -> sb.append(sb.length() == 0 ? "" : " ").append(s == -1 ? "err" : s).append('x').append(n));
    return sb.toString();
  }

  static double percentile(List<TrafficSource.Result> results, double q) {
    long[] nanos = results.stream().mapToLong(TrafficSource.Result::nanos).toArray();
    if (nanos.length == 0) {
      return Double.NaN;
    }
    Arrays.sort(nanos);
    int i = (int) Math.ceil(q * nanos.length) - 1;
    return nanos[Math.max(0, Math.min(nanos.length - 1, i))] / 1e6;
  }
}
