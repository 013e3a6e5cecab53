package ai.aim.rocm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SysfsTelemetryTest {
  private static final long MI300X_VRAM = 206158430208L;

  private static TelemetrySnapshot sample(String tree) {
    try (GpuTelemetry t = GpuTelemetry.open(Source.SYSFS,
        TelemetryOptions.defaults().withSysfsRoot(SysfsTrees.path(tree)))) {
      return t.sample();
    }
  }

  @Test
  void readsAnMi300xInSpxNps1AsOneWholeGpuPartition() {
    TelemetrySnapshot s = sample("mi300x-spx-nps1");
    assertThat(s.source()).isEqualTo(Source.SYSFS);
    assertThat(s.gpus()).singleElement().satisfies(g -> {
      assertThat(g.deviceId()).isEqualTo("card0");
      assertThat(g.computePartition()).contains(ComputePartition.SPX);
      assertThat(g.memoryPartition()).contains(MemoryPartition.NPS1);
      assertThat(g.availableComputePartitions()).isEqualTo(Set.of(
          ComputePartition.SPX, ComputePartition.DPX, ComputePartition.QPX, ComputePartition.CPX));
      assertThat(g.availableMemoryPartitions())
          .isEqualTo(Set.of(MemoryPartition.NPS1, MemoryPartition.NPS4));
      assertThat(g.vramTotalBytes()).hasValue(MI300X_VRAM);
      assertThat(g.vramUsedBytes()).hasValue(53687091200L);
      assertThat(g.utilization()).hasValue(0.37);
      assertThat(g.unknownReasons()).isEmpty();
      assertThat(g.partitions()).singleElement().satisfies(p -> {
        assertThat(p.vramTotalBytes()).hasValue(MI300X_VRAM);
        assertThat(p.vramUsedBytes()).hasValue(53687091200L);
        assertThat(p.utilization()).hasValue(0.37);
        assertThat(p.unknownReasons()).isEmpty();
      });
    });
  }

  @Test
  void readsAnMi300xInCpxNps4AsEightPartitionsAndSkipsThePartitionNodes() {
    TelemetrySnapshot s = sample("mi300x-cpx-nps4");
    assertThat(s.gpus()).hasSize(1);
    GpuSnapshot g = s.gpus().get(0);
    assertThat(g.computePartition()).contains(ComputePartition.CPX);
    assertThat(g.memoryPartition()).contains(MemoryPartition.NPS4);
    assertThat(g.vramUsedBytes()).hasValue(107374182400L);
    assertThat(g.utilization()).hasValue(0.82);
    List<PartitionSnapshot> parts = g.partitions();
    assertThat(parts).hasSize(8);
    for (int p = 0; p < 8; p++) {
      PartitionSnapshot part = parts.get(p);
      assertThat(part.partitionId()).isEqualTo(p);
      assertThat(part.computePartition()).contains(ComputePartition.CPX);
      assertThat(part.memoryPartition()).contains(MemoryPartition.NPS4);
      assertThat(part.vramTotalBytes()).hasValue(MI300X_VRAM / 8);
      assertThat(part.vramUsedBytes()).isEmpty();
      assertThat(part.unknownReason(Field.VRAM_USED)).contains(
          "sysfs reports this for the whole GPU only");
      assertThat(part.utilization()).isEmpty();
    }
  }

  @Test
  void cpxPartitionCountFollowsTheConfiguredXcds() {
    try (GpuTelemetry t = GpuTelemetry.open(Source.SYSFS, TelemetryOptions.defaults()
        .withSysfsRoot(SysfsTrees.path("mi300x-cpx-nps4")).withXcdsPerGpu(6))) {
      assertThat(t.sample().gpus().get(0).partitions()).hasSize(6);
    }
  }

  @Test
  void reportsAGpuWithoutPartitionFilesAsOnePartitionWithFileAbsentReasons() {
    GpuSnapshot g = sample("non-partitionable").gpus().get(0);
    assertThat(g.computePartition()).isEmpty();
    assertThat(g.unknownReason(Field.COMPUTE_PARTITION))
        .contains("current_compute_partition: file absent");
    assertThat(g.unknownReason(Field.MEMORY_PARTITION))
        .contains("current_memory_partition: file absent");
    assertThat(g.unknownReason(Field.AVAILABLE_COMPUTE_PARTITIONS))
        .contains("available_compute_partition: file absent");
    assertThat(g.vramTotalBytes()).hasValue(68702699520L);
    assertThat(g.partitions()).singleElement().satisfies(p -> {
      assertThat(p.vramTotalBytes()).hasValue(68702699520L);
      assertThat(p.vramUsedBytes()).hasValue(1073741824L);
      assertThat(p.utilization()).hasValue(0.05);
      assertThat(p.unknownReason(Field.COMPUTE_PARTITION))
          .contains("current_compute_partition: file absent");
    });
  }

  @Test
  void leavesGarbageAndEmptyFilesUnknownWithTheReason() {
    GpuSnapshot g = sample("broken").gpus().get(0);
    assertThat(g.unknownReason(Field.COMPUTE_PARTITION))
        .contains("current_compute_partition: file empty");
    assertThat(g.unknownReason(Field.MEMORY_PARTITION))
        .contains("current_memory_partition: unrecognized mode 'NPS9'");
    assertThat(g.unknownReason(Field.AVAILABLE_COMPUTE_PARTITIONS))
        .contains("available_compute_partition: no recognized mode in 'FOO, BAR'");
    assertThat(g.unknownReason(Field.AVAILABLE_MEMORY_PARTITIONS))
        .contains("available_memory_partition: file empty");
    assertThat(g.unknownReason(Field.VRAM_TOTAL))
        .contains("mem_info_vram_total: 'garbage' is not a byte count");
    assertThat(g.unknownReason(Field.VRAM_USED)).contains("mem_info_vram_used: file empty");
    assertThat(g.unknownReason(Field.UTILIZATION))
        .contains("gpu_busy_percent: 250 is outside 0..100");
    assertThat(g.partitions()).singleElement().satisfies(p -> {
      assertThat(p.vramTotalBytes()).isEmpty();
      assertThat(p.unknownReason(Field.VRAM_TOTAL))
          .contains("mem_info_vram_total: 'garbage' is not a byte count");
    });
  }

  @Test
  void ignoresNonAmdCards() {
    TelemetrySnapshot s = sample("mixed-vendors");
    assertThat(s.gpus()).singleElement().satisfies(g -> {
      assertThat(g.deviceId()).isEqualTo("card1");
      assertThat(g.gpuId()).isZero();
      assertThat(g.computePartition()).contains(ComputePartition.DPX);
      assertThat(g.partitions()).hasSize(2);
      assertThat(g.partitions().get(1).vramTotalBytes()).hasValue(500L);
    });
  }

  @Test
  void aMissingRootGivesAnEmptySnapshot() {
    try (GpuTelemetry t = GpuTelemetry.open(Source.SYSFS,
        TelemetryOptions.defaults().withSysfsRoot(Path.of("/nonexistent/drm")))) {
      assertThat(t.sample().gpus()).isEmpty();
    }
  }

  @Test
  void permissionAndIoErrorsDuringAGpuResetLeaveFieldsUnknownWithoutThrowing() {
    SysfsFiles real = SysfsFiles.real();
    SysfsFiles resetting = new SysfsFiles() {
      @Override
      public String read(Path file) throws IOException {
        String name = file.getFileName().toString();
        if (name.equals("mem_info_vram_used")) {
          throw new AccessDeniedException(file.toString());
        }
        if (name.equals("gpu_busy_percent")) {
          throw new IOException(file + ": Input/output error");
        }
        if (name.equals("current_memory_partition")) {
          throw new IOException("EPERM");
        }
        if (name.equals("mem_info_vram_total")) {
          throw new IllegalStateException("unexpected");
        }
        return real.read(file);
      }

      @Override
      public List<Path> list(Path dir) throws IOException {
        return real.list(dir);
      }
    };
    SysfsTelemetry t = new SysfsTelemetry(SysfsTrees.path("mi300x-spx-nps1"), resetting, 8);
    // An unexpected runtime failure of one file must not escape either.
    GpuSnapshot g = t.sample().gpus().get(0);
    assertThat(g.computePartition()).contains(ComputePartition.SPX);
    assertThat(g.unknownReason(Field.VRAM_USED))
        .contains("mem_info_vram_used: permission denied (EPERM); the GPU may be resetting");
    assertThat(g.unknownReason(Field.UTILIZATION))
        .contains("gpu_busy_percent: I/O error (EIO); the GPU may be resetting");
    assertThat(g.unknownReason(Field.MEMORY_PARTITION))
        .contains("current_memory_partition: permission denied (EPERM); the GPU may be resetting");
    assertThat(g.unknownReason(Field.VRAM_TOTAL)).hasValueSatisfying(r ->
        assertThat(r).startsWith("mem_info_vram_total: read failed: IllegalStateException"));
  }

  @Test
  void aFailingDirectoryListingGivesAnEmptySnapshot() {
    SysfsFiles failing = new SysfsFiles() {
      @Override
      public String read(Path file) throws IOException {
        throw new IOException("EIO");
      }

      @Override
      public List<Path> list(Path dir) throws IOException {
        throw new IOException("Input/output error");
      }
    };
    assertThat(new SysfsTelemetry(Path.of("/sys/class/drm"), failing, 8).sample().gpus())
        .isEmpty();
  }

  @Test
  void findsNewCardsAfterTheRediscoveryIntervalAndLostOnesAtOnce(@TempDir Path dir)
      throws IOException {
    Path root = dir.resolve("drm");
    copy(SysfsTrees.path("mi300x-spx-nps1").resolve("card0"), root.resolve("card0"));
    AtomicLong clock = new AtomicLong();
    SysfsTelemetry t = new SysfsTelemetry(root, SysfsFiles.real(), 8, clock::get);
    assertThat(t.sample().gpus()).hasSize(1);

    copy(SysfsTrees.path("mi300x-cpx-nps4").resolve("card0"), root.resolve("card8"));
    clock.addAndGet(SysfsTelemetry.REDISCOVER_AFTER.toNanos() - 1);
    assertThat(t.sample().gpus()).hasSize(1);
    clock.addAndGet(1);
    assertThat(t.sample().gpus()).extracting(GpuSnapshot::deviceId)
        .containsExactly("card0", "card8");

    delete(root.resolve("card0"));
    assertThat(t.sample().gpus().get(0).unknownReason(Field.VRAM_TOTAL))
        .contains("mem_info_vram_total: file absent");
    assertThat(t.sample().gpus()).extracting(GpuSnapshot::deviceId).containsExactly("card8");
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : walk.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
