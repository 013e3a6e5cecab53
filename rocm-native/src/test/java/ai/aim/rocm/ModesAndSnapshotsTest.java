package ai.aim.rocm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ModesAndSnapshotsTest {

  @Test
  void parsesModeNamesAsTheDriverPrintsThem() {
    assertThat(ComputePartition.parse("CPX\n")).contains(ComputePartition.CPX);
    assertThat(ComputePartition.parse(" tpx ")).contains(ComputePartition.TPX);
    assertThat(ComputePartition.parse("3")).isEmpty();
    assertThat(ComputePartition.parse(null)).isEmpty();
    assertThat(MemoryPartition.parse("NPS8\n")).contains(MemoryPartition.NPS8);
    assertThat(MemoryPartition.parse("NPS3")).isEmpty();
    assertThat(ComputePartition.CPX.label()).isEqualTo("cpx");
    assertThat(MemoryPartition.NPS4.label()).isEqualTo("nps4");
  }

  @Test
  void partitionCountsFollowTheComputeMode() {
    assertThat(ComputePartition.SPX.partitionCount(8)).isEqualTo(1);
    assertThat(ComputePartition.QPX.partitionCount(8)).isEqualTo(4);
    assertThat(ComputePartition.CPX.partitionCount(8)).isEqualTo(8);
    assertThat(ComputePartition.CPX.partitionCount(6)).isEqualTo(6);
    assertThat(MemoryPartition.NPS4.domains()).isEqualTo(4);
  }

  @Test
  void sourceNamesMatchTheCommandLine() {
    assertThat(Source.parse("amdsmi")).isEqualTo(Source.AMDSMI);
    assertThat(Source.SIMULATED.label()).isEqualTo("simulated");
    assertThatThrownBy(() -> Source.parse("rocm-smi"))
        .hasMessage("gpu source: rocm-smi (expected: auto|amdsmi|sysfs|simulated|none)");
  }

  @Test
  void aSnapshotFieldIsEitherKnownOrHasAReason() {
    assertThatThrownBy(() -> new PartitionSnapshot(0, 0, Optional.empty(),
        Optional.of(MemoryPartition.NPS1), OptionalLong.of(1), OptionalLong.of(0),
        OptionalDouble.of(0.5), Map.of()))
        .hasMessage("partition 0/0 COMPUTE_PARTITION: has neither a value nor a reason"
            + " (expected: exactly one)");
    assertThatThrownBy(() -> new PartitionSnapshot(0, 0, Optional.of(ComputePartition.SPX),
        Optional.of(MemoryPartition.NPS1), OptionalLong.of(1), OptionalLong.of(0),
        OptionalDouble.of(1.5), Map.of()))
        .hasMessage("partition 0/0 UTILIZATION: 1.5 (expected: 0..1)");
  }

  @Test
  void noneSourceHasNoGpus() {
    try (GpuTelemetry t = GpuTelemetry.open(Source.NONE)) {
      assertThat(t.sample().gpus()).isEmpty();
      assertThat(t.source()).isEqualTo(Source.NONE);
    }
  }
}
