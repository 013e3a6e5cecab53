package ai.aim.rocm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AmdSmiTelemetryTest {
  private static final long GIB = 1L << 30;
  private AmdSmiStub.Control stub;
  private TelemetryOptions options;

  @BeforeEach
  void resetStub() {
    stub = AmdSmiStub.control();
    stub.stub_reset();
    options = TelemetryOptions.defaults().withAmdSmiLibrary(AmdSmiStub.library());
  }

  @Test
  void readsSpxNps1GpusAsOnePartitionEach() {
    stub.stub_set_topology(AmdSmiStub.SPX_NPS1);
    try (GpuTelemetry t = GpuTelemetry.open(Source.AMDSMI, options)) {
      TelemetrySnapshot s = t.sample();
      assertThat(s.source()).isEqualTo(Source.AMDSMI);
      assertThat(s.gpus()).hasSize(2);
      GpuSnapshot g1 = s.gpus().get(1);
      assertThat(g1.deviceId()).isEqualTo("0000:1c:00");
      assertThat(g1.computePartition()).contains(ComputePartition.SPX);
      assertThat(g1.memoryPartition()).contains(MemoryPartition.NPS1);
      assertThat(g1.vramTotalBytes()).hasValue(192 * GIB);
      assertThat(g1.vramUsedBytes()).hasValue(9 * GIB);
      assertThat(g1.utilization()).hasValue(0.50);
      assertThat(g1.partitions()).singleElement().satisfies(p -> {
        assertThat(p.gpuId()).isEqualTo(1);
        assertThat(p.partitionId()).isZero();
        assertThat(p.vramTotalBytes()).hasValue(192 * GIB);
        assertThat(p.vramUsedBytes()).hasValue(9 * GIB);
        assertThat(p.utilization()).hasValue(0.50);
        assertThat(p.unknownReasons()).isEmpty();
      });
      assertThat(g1.unknownReason(Field.AVAILABLE_COMPUTE_PARTITIONS)).isPresent();
    }
  }

  @Test
  void groupsCpxProcessorHandlesIntoPhysicalGpusBySocket() {
    stub.stub_set_topology(AmdSmiStub.CPX_NPS4);
    try (GpuTelemetry t = GpuTelemetry.open(Source.AMDSMI, options)) {
      TelemetrySnapshot s = t.sample();
      assertThat(s.gpus()).hasSize(2);
      assertThat(s.partitions()).hasSize(16);
      GpuSnapshot g0 = s.gpus().get(0);
      assertThat(g0.deviceId()).isEqualTo("0000:0c:00");
      assertThat(g0.computePartition()).contains(ComputePartition.CPX);
      assertThat(g0.memoryPartition()).contains(MemoryPartition.NPS4);
      List<PartitionSnapshot> parts = s.gpus().get(1).partitions();
      assertThat(parts).hasSize(8);
      for (int p = 0; p < 8; p++) {
        PartitionSnapshot part = parts.get(p);
        assertThat(part.gpuId()).isEqualTo(1);
        assertThat(part.partitionId()).isEqualTo(p);
        assertThat(part.computePartition()).contains(ComputePartition.CPX);
        assertThat(part.memoryPartition()).contains(MemoryPartition.NPS4);
        assertThat(part.vramTotalBytes()).hasValue(24 * GIB);
        assertThat(part.vramUsedBytes()).hasValue((8 + p + 1) * GIB + 4096L * p);
        assertThat(part.utilization().getAsDouble()).isEqualTo((50 + 3 * p) / 100.0);
      }
      // Sums over the partitions: NPS4 memory is not a shared pool.
      assertThat(g0.vramTotalBytes()).hasValue(192 * GIB);
      long used0 = 0;
      for (int p = 0; p < 8; p++) {
        used0 += (p + 1) * GIB + 4096L * p;
      }
      assertThat(g0.vramUsedBytes()).hasValue(used0);
      assertThat(g0.utilization().getAsDouble()).isCloseTo((10 + 3 * 3.5) / 100.0, within(1e-9));
    }
  }

  @Test
  void notSupportedLeavesOnlyThatFieldUnknownWithTheReason() {
    stub.stub_set_topology(AmdSmiStub.CPX_NPS4);
    stub.stub_fail("amdsmi_get_gpu_activity", 2);
    try (GpuTelemetry t = GpuTelemetry.open(Source.AMDSMI, options)) {
      PartitionSnapshot p = t.sample().gpus().get(0).partitions().get(3);
      assertThat(p.utilization()).isEqualTo(OptionalDouble.empty());
      assertThat(p.unknownReason(Field.UTILIZATION)).hasValueSatisfying(r -> assertThat(r)
          .contains("not supported").contains("amdsmi_get_gpu_activity")
          .contains("AMDSMI_STATUS_NOT_SUPPORTED"));
      assertThat(p.vramUsedBytes()).hasValue(4 * GIB + 4096L * 3);
      assertThat(p.computePartition()).contains(ComputePartition.CPX);
    }
  }

  @Test
  void otherFieldErrorsNameTheCallAndTheStatus() {
    stub.stub_fail("amdsmi_get_gpu_memory_usage", 30);
    stub.stub_fail("amdsmi_get_gpu_memory_partition", 12);
    try (GpuTelemetry t = GpuTelemetry.open(Source.AMDSMI, options)) {
      GpuSnapshot g = t.sample().gpus().get(0);
      PartitionSnapshot p = g.partitions().get(0);
      assertThat(p.vramUsedBytes()).isEqualTo(OptionalLong.empty());
      assertThat(p.unknownReason(Field.VRAM_USED)).contains(
          "amdsmi_get_gpu_memory_usage failed: AMDSMI_STATUS_BUSY (processor busy)");
      assertThat(p.memoryPartition()).isEqualTo(Optional.empty());
      assertThat(p.unknownReason(Field.MEMORY_PARTITION)).contains(
          "amdsmi_get_gpu_memory_partition failed: AMDSMI_STATUS_IO (I/O error)");
      assertThat(g.unknownReason(Field.VRAM_USED)).isPresent();
      assertThat(p.vramTotalBytes()).hasValue(192 * GIB);
    }
  }

  @Test
  void failingInitIsAClearError() {
    stub.stub_fail("amdsmi_init", 18);
    assertThatThrownBy(() -> GpuTelemetry.open(Source.AMDSMI, options))
        .isInstanceOf(GpuTelemetryException.class)
        .hasMessage("amdsmi_init(AMDSMI_INIT_AMD_GPUS) failed: AMDSMI_STATUS_INIT_ERROR"
            + " (initialization failed)");
  }

  @Test
  void failingEnumerationNamesTheCall() {
    stub.stub_fail("amdsmi_get_processor_handles", 34);
    try (GpuTelemetry t = GpuTelemetry.open(Source.AMDSMI, options)) {
      assertThatThrownBy(t::sample)
          .isInstanceOf(GpuTelemetryException.class)
          .hasMessage("amdsmi_get_processor_handles (count) failed:"
              + " AMDSMI_STATUS_DRIVER_NOT_LOADED (driver not loaded)");
    }
  }

  @Test
  void closeShutsTheLibraryDownOnce() {
    GpuTelemetry t = GpuTelemetry.open(Source.AMDSMI, options);
    assertThat(stub.stub_init_refs()).isEqualTo(1);
    t.close();
    t.close();
    assertThat(stub.stub_init_refs()).isZero();
    assertThat(stub.stub_shutdowns()).isEqualTo(1);
    assertThatThrownBy(t::sample).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void autoPrefersAmdSmiWhenItFindsGpus() {
    try (GpuTelemetry t = GpuTelemetry.open(Source.AUTO, options)) {
      assertThat(t.source()).isEqualTo(Source.AMDSMI);
    }
  }

  @Test
  void autoFallsBackWhenAmdSmiInitFails() {
    stub.stub_fail("amdsmi_init", 34);
    try (GpuTelemetry t = GpuTelemetry.open(Source.AUTO,
        options.withSysfsRoot(SysfsTrees.path("mi300x-spx-nps1")))) {
      assertThat(t.source()).isEqualTo(Source.SYSFS);
    }
  }

  @Test
  void missingLibraryIsAClearError() {
    assertThatThrownBy(() -> GpuTelemetry.open(Source.AMDSMI,
        TelemetryOptions.defaults()
            .withAmdSmiLibrary(Path.of("/nonexistent/libamd_smi.so"))))
        .isInstanceOf(GpuTelemetryException.class)
        .hasMessageStartingWith("cannot load /nonexistent/libamd_smi.so");
  }
}
