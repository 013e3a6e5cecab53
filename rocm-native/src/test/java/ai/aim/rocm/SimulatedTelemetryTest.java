package ai.aim.rocm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatedTelemetryTest {
  private static final long GIB = 1L << 30;

  private static SimulatedTelemetry yaml(String text) {
    return SimulatedTelemetry.fromYaml("test.yaml",
        new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void theEmbeddedDefaultIsEightMi300xInCpxNps4() {
    try (GpuTelemetry t = GpuTelemetry.open(Source.SIMULATED)) {
      TelemetrySnapshot s = t.sample();
      assertThat(s.source()).isEqualTo(Source.SIMULATED);
      assertThat(s.gpus()).hasSize(8);
      assertThat(s.partitions()).hasSize(64);
      GpuSnapshot g7 = s.gpus().get(7);
      assertThat(g7.deviceId()).isEqualTo("mi300x-7");
      assertThat(g7.computePartition()).contains(ComputePartition.CPX);
      assertThat(g7.memoryPartition()).contains(MemoryPartition.NPS4);
      assertThat(g7.vramTotalBytes()).hasValue(192 * GIB);
      assertThat(g7.vramUsedBytes()).hasValue(0L);
      assertThat(g7.availableMemoryPartitions())
          .containsExactlyInAnyOrder(MemoryPartition.NPS1, MemoryPartition.NPS4);
      assertThat(s.partitions()).allSatisfy(p -> {
        assertThat(p.vramTotalBytes()).hasValue(24 * GIB);
        assertThat(p.unknownReasons()).isEmpty();
      });
    }
  }

  @Test
  void placingAndRemovingModelsDrivesUsedMemory() {
    SimulatedTelemetry sim = SimulatedTelemetry.defaultTopology();
    PartitionRef p = new PartitionRef(2, 5);
    sim.place("llama-8b", p, 16 * GIB);
    sim.place("embedder", p, 2 * GIB);
    TelemetrySnapshot s = sim.sample();
    assertThat(s.gpus().get(2).partitions().get(5).vramUsedBytes()).hasValue(18 * GIB);
    assertThat(s.gpus().get(2).vramUsedBytes()).hasValue(18 * GIB);
    assertThat(s.gpus().get(2).partitions().get(4).vramUsedBytes()).hasValue(0L);
    assertThat(sim.placed(p)).containsEntry("llama-8b", 16 * GIB).hasSize(2);

    assertThat(sim.remove("llama-8b", p)).isTrue();
    assertThat(sim.remove("llama-8b", p)).isFalse();
    assertThat(sim.sample().gpus().get(2).partitions().get(5).vramUsedBytes())
        .hasValue(2 * GIB);
  }

  @Test
  void refusesToOvercommitAPartition() {
    SimulatedTelemetry sim = SimulatedTelemetry.defaultTopology();
    PartitionRef p = new PartitionRef(0, 0);
    sim.place("a", p, 20 * GIB);
    assertThatThrownBy(() -> sim.place("b", p, 5 * GIB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("partition 0/0: model b needs 5368709120 bytes, 4294967296 free"
            + " (expected: <= free)");
    assertThatThrownBy(() -> sim.place("a", p, 1))
        .hasMessage("model a is already placed on partition 0/0");
    assertThatThrownBy(() -> sim.place("c", new PartitionRef(0, 8), 1))
        .hasMessage("partition 0/8: GPU 0 has 8 partitions (expected: partitionId 0..7)");
    assertThatThrownBy(() -> sim.place("c", new PartitionRef(8, 0), 1))
        .hasMessage("partition 8/0: no GPU 8 (expected: 0..7)");
  }

  @Test
  void repartitioningChangesThePartitionsOfAnIdleGpuOnly() {
    SimulatedTelemetry sim = SimulatedTelemetry.defaultTopology();
    sim.repartition(1, ComputePartition.SPX, MemoryPartition.NPS1);
    GpuSnapshot g1 = sim.sample().gpus().get(1);
    assertThat(g1.partitions()).singleElement().satisfies(p ->
        assertThat(p.vramTotalBytes()).hasValue(192 * GIB));
    assertThat(g1.computePartition()).contains(ComputePartition.SPX);

    sim.place("m", new PartitionRef(3, 0), GIB);
    assertThatThrownBy(() -> sim.repartition(3, ComputePartition.SPX, MemoryPartition.NPS1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("gpu 3 cannot be repartitioned: partition 3/0 holds [m]");
  }

  @Test
  void readsATopologyFileWithSeveralGroups(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("mixed.yaml");
    Files.writeString(file, """
        gpus:
          - name: a
            computePartition: spx
            memoryPartition: nps1
            vramGiB: 64
            reservedBytesPerPartition: 1024
            utilization: 0.25
          - name: b
            count: 2
            computePartition: DPX
            memoryPartition: NPS2
            vramGiB: 128
        """);
    try (GpuTelemetry t = GpuTelemetry.open(Source.SIMULATED,
        TelemetryOptions.defaults().withSimulatedConfig(file))) {
      TelemetrySnapshot s = t.sample();
      assertThat(s.gpus()).extracting(GpuSnapshot::deviceId).containsExactly("a", "b-0", "b-1");
      assertThat(s.gpus().get(0).vramUsedBytes()).hasValue(1024L);
      assertThat(s.gpus().get(0).utilization()).hasValue(0.25);
      assertThat(s.gpus().get(2).partitions()).hasSize(2);
      assertThat(s.gpus().get(2).partitions().get(1).vramTotalBytes()).hasValue(64 * GIB);
    }
  }

  @Test
  void badYamlIsAClearError() {
    assertThatThrownBy(() -> yaml("gpus:\n  - computePartition: XPX\n    memoryPartition: NPS1\n"
        + "    vramGiB: 1\n"))
        .isInstanceOf(GpuTelemetryException.class)
        .hasMessage("simulated GPU config test.yaml: gpus[0].computePartition: XPX"
            + " (expected: SPX|DPX|TPX|QPX|CPX)");
    assertThatThrownBy(() -> yaml("gpus:\n  - computePartition: CPX\n    memoryPartition: NPS4\n"))
        .isInstanceOf(GpuTelemetryException.class)
        .hasMessageContaining("simulated GPU config test.yaml:")
        .hasMessageContaining("vramGiB");
    assertThatThrownBy(() -> yaml("gpus:\n  - computePartition: CPX\n    memoryPartition: NPS4\n"
        + "    vramGiB: 192\n    vramGB: 1\n"))
        .hasMessageStartingWith("simulated GPU config test.yaml: gpus[0].vramGB: unknown key"
            + " (expected one of [")
        .hasMessageContaining("vramGiB");
    assertThatThrownBy(() -> yaml("gpus: [\n"))
        .isInstanceOf(GpuTelemetryException.class)
        .hasMessageStartingWith("simulated GPU config test.yaml:");
    assertThatThrownBy(() -> yaml("gpus: []\n"))
        .hasMessage("simulated GPU config test.yaml: gpus: none (expected: at least one GPU group)");
    assertThatThrownBy(() -> yaml("gpus:\n  - computePartition: CPX\n    memoryPartition: NPS4\n"
        + "    vramGiB: 192\n    count: 0\n"))
        .hasMessage("simulated GPU config test.yaml: gpus[0].count: 0 (expected: >= 1)");
  }

  @Test
  void aMissingFileNamesThePath() {
    assertThatThrownBy(() -> SimulatedTelemetry.fromYaml(Path.of("/nonexistent/gpus.yaml")))
        .isInstanceOf(GpuTelemetryException.class)
        .hasMessageStartingWith("simulated GPU config /nonexistent/gpus.yaml: cannot read");
  }
}
