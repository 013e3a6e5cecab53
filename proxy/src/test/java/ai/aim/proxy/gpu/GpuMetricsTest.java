package ai.aim.proxy.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.aim.rocm.ComputePartition;
import ai.aim.rocm.GpuTelemetry;
import ai.aim.rocm.MemoryPartition;
import ai.aim.rocm.PartitionRef;
import ai.aim.rocm.SimulatedTelemetry;
import ai.aim.rocm.Source;
import ai.aim.rocm.TelemetrySnapshot;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class GpuMetricsTest {
  private static final long GIB = 1L << 30;
  private static final Duration FAST = Duration.ofMillis(20);
  private static final Duration WAIT = Duration.ofSeconds(10);

  private static String labels(int gpu, int partition, String compute, String memory) {
    return "{gpu_compute_partition_type=\"" + compute + "\",gpu_id=\"" + gpu
        + "\",gpu_memory_partition_type=\"" + memory + "\",gpu_partition_id=\"" + partition
        + "\"}";
  }

  private static String gpuLabels(int gpu, String compute, String memory) {
    return "{gpu_compute_partition_type=\"" + compute + "\",gpu_id=\"" + gpu
        + "\",gpu_memory_partition_type=\"" + memory + "\"}";
  }

  private static List<String> lines(PrometheusMeterRegistry registry, String metric) {
    return Arrays.stream(registry.scrape().split("\n"))
        .filter(l -> l.startsWith(metric + "{"))
        .toList();
  }

  private static double value(PrometheusMeterRegistry registry, String metric, String labels) {
    String prefix = metric + labels + " ";
    return lines(registry, metric).stream()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
        .findFirst()
        .orElse(Double.NaN);
  }

  @Test
  void exportsPartitionGaugesWithTheExporterLabelNames() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    SimulatedTelemetry sim = SimulatedTelemetry.defaultTopology();
    sim.place("llama-70b-shard", new PartitionRef(0, 3), 12 * GIB);
    sim.setUtilization(new PartitionRef(0, 3), 0.75);
    AllocationSource allocations = AllocationSource.fixed(List.of(
        new Allocation(0, 3, 10 * GIB), new Allocation(7, 7, 20 * GIB)));
    try (GpuMetrics metrics = GpuMetrics.start(sim, registry, FAST, allocations)) {
      await().atMost(WAIT).until(() -> metrics.sampleCount() >= 1);
      String p03 = labels(0, 3, "cpx", "nps4");
      assertThat(value(registry, "aim_gpu_partition_memory_bytes", p03)).isEqualTo(12.0 * GIB);
      assertThat(value(registry, "aim_gpu_partition_memory_allocated_bytes", p03))
          .isEqualTo(10.0 * GIB);
      // Used (12) exceeds the promise (10), so only 24 - 12 can still be promised.
      assertThat(value(registry, "aim_gpu_partition_memory_available_bytes", p03))
          .isEqualTo(12.0 * GIB);
      assertThat(value(registry, "aim_gpu_partition_utilization", p03)).isEqualTo(0.75);
      String p77 = labels(7, 7, "cpx", "nps4");
      assertThat(value(registry, "aim_gpu_partition_memory_allocated_bytes", p77))
          .isEqualTo(20.0 * GIB);
      assertThat(value(registry, "aim_gpu_partition_memory_available_bytes", p77))
          .isEqualTo(4.0 * GIB);
      assertThat(value(registry, "aim_gpu_total_memory_bytes", gpuLabels(5, "cpx", "nps4")))
          .isEqualTo(192.0 * GIB);
      assertThat(value(registry, "aim_gpu_partition_count", gpuLabels(5, "cpx", "nps4")))
          .isEqualTo(8.0);
      assertThat(lines(registry, "aim_gpu_partition_memory_bytes")).hasSize(64);
      assertThat(lines(registry, "aim_gpu_partition_memory_allocated_bytes")).hasSize(64);
      assertThat(lines(registry, "aim_gpu_partition_utilization")).hasSize(64);
      assertThat(lines(registry, "aim_gpu_total_memory_bytes")).hasSize(8);
      assertThat(lines(registry, "aim_gpu_partition_count")).hasSize(8);
      assertThat(registry.scrape()).contains("# TYPE aim_gpu_partition_memory_bytes gauge");
    }
  }

  @Test
  void gaugesFollowPlacementsAndRepartitioning() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    SimulatedTelemetry sim = SimulatedTelemetry.defaultTopology();
    try (GpuMetrics metrics = GpuMetrics.start(sim, registry, FAST, AllocationSource.none())) {
      await().atMost(WAIT).until(() -> metrics.sampleCount() >= 1);
      String p12 = labels(1, 2, "cpx", "nps4");
      assertThat(value(registry, "aim_gpu_partition_memory_bytes", p12)).isZero();

      sim.place("m", new PartitionRef(1, 2), 5 * GIB);
      await().atMost(WAIT).until(() ->
          value(registry, "aim_gpu_partition_memory_bytes", p12) == 5.0 * GIB);
      sim.remove("m", new PartitionRef(1, 2));

      sim.repartition(1, ComputePartition.SPX, MemoryPartition.NPS1);
      String whole = labels(1, 0, "spx", "nps1");
      await().atMost(WAIT).until(() ->
          value(registry, "aim_gpu_partition_count", gpuLabels(1, "spx", "nps1")) == 1.0);
      await().atMost(WAIT).until(() ->
          lines(registry, "aim_gpu_partition_memory_bytes").size() == 57);
      assertThat(value(registry, "aim_gpu_partition_memory_available_bytes", whole))
          .isEqualTo(192.0 * GIB);
      assertThat(registry.scrape()).doesNotContain(p12)
          .doesNotContain(gpuLabels(1, "cpx", "nps4"));
    }
  }

  @Test
  void closeStopsTheSamplerAndRemovesTheGauges() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    GpuMetrics metrics = GpuMetrics.start(SimulatedTelemetry.defaultTopology(), registry, FAST,
        AllocationSource.none());
    await().atMost(WAIT).until(() -> metrics.sampleCount() >= 1);
    assertThat(Thread.getAllStackTraces().keySet())
        .filteredOn(t -> t.getName().equals("aim-gpu-sampler"))
        .isNotEmpty()
        .allSatisfy(t -> assertThat(t.isDaemon()).isTrue());
    metrics.close();
    assertThat(lines(registry, "aim_gpu_partition_memory_bytes")).isEmpty();
    assertThat(lines(registry, "aim_gpu_partition_count")).isEmpty();
  }

  @Test
  void aFailingSampleKeepsThePreviousSnapshotAndTheThreadAlive() {
    SimulatedTelemetry sim = SimulatedTelemetry.defaultTopology();
    AtomicInteger calls = new AtomicInteger();
    GpuTelemetry flaky = new GpuTelemetry() {
      @Override
      public Source source() {
        return Source.SIMULATED;
      }

      @Override
      public TelemetrySnapshot sample() {
        int n = calls.incrementAndGet();
        if (n >= 2 && n <= 4) {
          throw new IllegalStateException("device busy");
        }
        return sim.sample();
      }

      @Override
      public void close() {}
    };
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try (GpuMetrics metrics = GpuMetrics.start(flaky, registry, FAST, AllocationSource.none())) {
      await().atMost(WAIT).until(() -> calls.get() >= 3);
      assertThat(metrics.latest()).isPresent();
      assertThat(lines(registry, "aim_gpu_partition_memory_bytes")).hasSize(64);
      await().atMost(WAIT).until(() -> metrics.sampleCount() >= 2);
    }
  }

  @Test
  void validatesItsArguments() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    assertThatThrownBy(() -> GpuMetrics.start(SimulatedTelemetry.defaultTopology(), registry,
        Duration.ZERO, AllocationSource.none()))
        .hasMessage("gpu sample interval: PT0S (expected: > 0)");
    assertThatThrownBy(() -> new Allocation(0, -1, 5))
        .hasMessage("gpu.allocations partition: -1 (expected: >= 0)");
  }

  @Test
  void readsAllocationsFromTheConfigShape() throws Exception {
    ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
    Map<String, Map<String, List<Allocation>>> config = yaml.readValue("""
        gpu:
          allocations:
            - {gpu: 0, partition: 3, bytes: 1073741824}
            - {gpu: 0, partition: 3, bytes: 1024}
            - {gpu: 2, partition: 0, bytes: 5}
        """, new TypeReference<>() {});
    AllocationSource source = AllocationSource.fixed(config.get("gpu").get("allocations"));
    assertThat(source.allocatedBytes())
        .containsEntry(new PartitionRef(0, 3), GIB + 1024)
        .containsEntry(new PartitionRef(2, 0), 5L)
        .hasSize(2);
  }
}
