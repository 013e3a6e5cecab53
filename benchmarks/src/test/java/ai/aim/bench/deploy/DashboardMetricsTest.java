package ai.aim.bench.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.proxy.Sidecar;
import ai.aim.proxy.config.ConfigLoader;
import ai.aim.proxy.gpu.AllocationSource;
import ai.aim.proxy.gpu.GpuMetrics;
import ai.aim.rocm.SimulatedTelemetry;
import ai.aim.scheduler.SchedulerApp;
import ai.aim.scheduler.config.SchedulerConfig;
import ai.aim.scheduler.k8s.GpuSharingParser;
import ai.aim.scheduler.k8s.InferenceServices;
import ai.aim.scheduler.keda.KedaExtension;
import ai.aim.sim.ModelSim;
import ai.aim.sim.SimConfig;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every metric name that the Helm chart's dashboards and alert rules use must exist in a real
 * scrape: of a sidecar serving traffic (with GPU telemetry) and of a scheduler that has placed a
 * model (against Fabric8's mock API server). A renamed meter breaks this test, not a dashboard.
 */
@EnableKubernetesMockClient(crud = true)
class DashboardMetricsTest {

  static final Path CHART = Paths.get("..", "deploy", "helm", "aim").toAbsolutePath().normalize();
  static final Pattern METRIC = Pattern.compile("\\baim_[a-z0-9_]+");
  static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE);

  KubernetesClient client;

  @Test
  void everyMetricTheChartUsesExistsInARealScrape(@TempDir Path dir) throws Exception {
    Set<String> used = namesUsedByTheChart();
    assertThat(used).contains("aim_model_requests_total", "aim_model_request_latency_seconds_bucket",
        "aim_scheduler_queue_depth", "aim_gpu_partition_memory_bytes", "aim_scheduler_operations_total");

    Set<String> exposed = new TreeSet<>();
    exposed.addAll(samples(sidecarScrape(dir)));
    exposed.addAll(samples(schedulerScrape()));

    assertThat(exposed).as("names used by deploy/helm/aim dashboards and rules").containsAll(used);
  }

  static Set<String> namesUsedByTheChart() throws IOException {
    Set<String> names = new TreeSet<>();
    try (Stream<Path> files = Stream.concat(
        Files.list(CHART.resolve("dashboards")), Stream.of(CHART.resolve("templates/prometheusrule.yaml")))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Matcher m = METRIC.matcher(Files.readString(f));
        while (m.find()) {
          names.add(m.group());
        }
      }
    }
    return names;
  }

  static Set<String> samples(String exposition) {
    Set<String> names = new TreeSet<>();
    Matcher m = SAMPLE.matcher(exposition);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private String sidecarScrape(Path dir) throws Exception {
    try (ModelSim sim = ModelSim.start(SimConfig.builder().host("127.0.0.1").httpPort(0).grpcPort(0)
        .model("demo").slots(4).serviceMs(1).build())) {
      Path config = dir.resolve("sidecar.yaml");
      Files.writeString(config, String.join("\n",
          "http: {port: 0, bind: 127.0.0.1}",
          "grpc: {port: 0, bind: 127.0.0.1}",
          "admin: {port: 0, bind: 127.0.0.1}",
          "upstream: {http: 'http://127.0.0.1:" + sim.httpPort() + "', grpc: '127.0.0.1:" + sim.grpcPort() + "'}",
          "models: {demo: {}}", ""));
      Sidecar sidecar = Sidecar.start(() -> ConfigLoader.load(config, Map.of()), null, null, null, System::nanoTime);
      try (SimulatedTelemetry gpus = SimulatedTelemetry.defaultTopology();
          GpuMetrics gpu = GpuMetrics.start(gpus, sidecar.registry(), Duration.ofMillis(100), AllocationSource.none())) {
        HttpClient http = HttpClient.newHttpClient();
        String body = "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1.0]}]}";
        for (String priority : new String[] {"high", "medium", "low"}) {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(
                  "http://127.0.0.1:" + sidecar.server().httpPort() + "/v2/models/demo/infer"))
              .header("x-aim-priority", priority).header("content-type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
          assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        URI metrics = URI.create("http://127.0.0.1:" + sidecar.server().adminPort() + "/metrics");
        String[] scrape = new String[1];
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
          scrape[0] = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
          assertThat(scrape[0]).contains("aim_gpu_partition_memory_bytes").contains("aim_model_requests_total");
        });
        return scrape[0];
      } finally {
        sidecar.close();
      }
    }
  }

  private String schedulerScrape() throws Exception {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("gpu-1")
        .addToLabels("kubernetes.io/hostname", "gpu-1").addToLabels("amd.com/gpu.vram", "192G").endMetadata()
        .withNewStatus().withAllocatable(Map.of("cpu", new Quantity("64"), "amd.com/cpx_nps4", new Quantity("8")))
        .endStatus().build()).create();
    GenericKubernetesResource isvc = new GenericKubernetesResource();
    isvc.setApiVersion(InferenceServices.API_VERSION);
    isvc.setKind("InferenceService");
    isvc.setMetadata(new ObjectMetaBuilder().withName("llama").withNamespace("models")
        .addToAnnotations(GpuSharingParser.ANNOTATION, "{\"enabled\":true,\"memoryLimitGB\":16,\"computeMode\":\"CPX\"}")
        .build());
    isvc.setAdditionalProperty("spec", Map.of("predictor", Map.of("model", Map.of("modelFormat", Map.of("name", "vllm")))));
    client.genericKubernetesResources(InferenceServices.CONTEXT).inNamespace("models").resource(isvc).create();

    SchedulerConfig config = SchedulerConfig.defaults().withGrpcPort(0).withMetricsPort(0).withSchedulerId("sched-test")
        .withLeaderElection(new SchedulerConfig.LeaderElection(false, null, "aim-system", null, null, null));
    try (SchedulerApp app = SchedulerApp.start(config, Optional.of(client), java.util.List.of(new KedaExtension()))) {
      HttpClient http = HttpClient.newHttpClient();
      URI metrics = URI.create("http://127.0.0.1:" + app.metricsPort() + "/metrics");
      String[] scrape = new String[1];
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        scrape[0] = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(scrape[0]).contains("aim_scheduler_operations_total").contains("aim_model_memory_bytes{");
      });
      return scrape[0];
    }
  }
}
