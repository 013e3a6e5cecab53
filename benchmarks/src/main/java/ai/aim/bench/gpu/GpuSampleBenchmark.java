package ai.aim.bench.gpu;

import ai.aim.rocm.GpuTelemetry;
import ai.aim.rocm.Source;
import ai.aim.rocm.TelemetryOptions;
import ai.aim.rocm.TelemetrySnapshot;
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of one {@link GpuTelemetry#sample()} per source, for a node of 8 MI300X in CPX/NPS4 (64
 * partitions), to choose the sampler's default interval.
 *
 * <ul>
 *   <li>{@code none}: the baseline, an empty snapshot (harness and call overhead only);
 *   <li>{@code simulated}: the embedded 8 x MI300X topology;
 *   <li>{@code sysfs}: the fake MI300X CPX/NPS4 tree from {@code rocm-native/src/test/resources},
 *       copied to a temp dir with the AMD card repeated 8 times (tmpfs-like page cache, so this
 *       is the syscall and parsing cost, not the driver's);
 *   <li>{@code amdsmi}: the JNA binding against the stand-in {@code libamd_smi.so} compiled with
 *       gcc from {@code rocm-native/src/test/c/amdsmi_stub.c}, 8 GPUs x 8 CPX handles (binding
 *       and JNA cost; the real library adds its own driver reads).
 * </ul>
 *
 * <p>{@link #readOneSysfsFile} is a second baseline: one open/read/close of a sysfs-sized file.
 * Run from the project root (it finds the fake tree and the C file by relative path).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GpuSampleBenchmark {
  static final Path FAKE_TREE = Path.of("rocm-native/src/test/resources/sysfs/mi300x-cpx-nps4");
  static final Path STUB_SOURCE = Path.of("rocm-native/src/test/c/amdsmi_stub.c");
  static final int GPUS = 8;

  /** Control functions of the stand-in library. */
  public interface StubControl extends Library {
    void stub_set_topology(int topology);

    void stub_set_gpu_count(int gpus);
  }

  /** One opened source. */
  @State(Scope.Benchmark)
  public static class Sampled {
    @Param({"none", "simulated", "sysfs", "amdsmi"})
    public String source;

    GpuTelemetry telemetry;
    Path dir;

    @Setup(Level.Trial)
    public void open() throws IOException, InterruptedException {
      dir = Files.createTempDirectory("aim-gpu-bench");
      TelemetryOptions options = TelemetryOptions.defaults();
      Source s = Source.parse(source);
      if (s == Source.SYSFS) {
        options = options.withSysfsRoot(node(dir));
      } else if (s == Source.AMDSMI) {
        Path lib = compileStub(dir);
        StubControl control = Native.load(lib.toString(), StubControl.class);
        control.stub_set_topology(1);
        control.stub_set_gpu_count(GPUS);
        options = options.withAmdSmiLibrary(lib);
      }
      telemetry = GpuTelemetry.open(s, options);
      int partitions = (int) telemetry.sample().partitions().count();
      int expected = s == Source.NONE ? 0 : GPUS * 8;
      if (partitions != expected) {
        throw new IllegalStateException(
            source + ": " + partitions + " partitions (expected: " + expected + ")");
      }
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      telemetry.close();
      delete(dir);
    }
  }

  /** One sysfs attribute file, for the per-file baseline. */
  @State(Scope.Benchmark)
  public static class OneFile {
    Path dir;
    Path file;

    @Setup(Level.Trial)
    public void create() throws IOException {
      dir = Files.createTempDirectory("aim-gpu-bench-file");
      file = dir.resolve("mem_info_vram_used");
      Files.writeString(file, "107374182400\n");
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
      GpuSampleBenchmark.delete(dir);
    }
  }

  @Benchmark
  public TelemetrySnapshot sample(Sampled state) {
    return state.telemetry.sample();
  }

  @Benchmark
  public byte[] readOneSysfsFile(OneFile state) throws IOException {
    return Files.readAllBytes(state.file);
  }

  /** A DRM root with the fake AMD card as card0, card8, ... and its partition nodes. */
  static Path node(Path dir) throws IOException {
    if (!Files.isDirectory(FAKE_TREE)) {
      throw new IllegalStateException(
          "sysfs source skipped: " + FAKE_TREE.toAbsolutePath() + " not found (run from the"
              + " project root)");
    }
    Path root = dir.resolve("drm");
    for (int g = 0; g < GPUS; g++) {
      try (Stream<Path> cards = Files.list(FAKE_TREE)) {
        for (Path card : cards.toList()) {
          int n = Integer.parseInt(card.getFileName().toString().replaceAll("\\D", ""));
          copyTree(card, root.resolve("card" + (g * 8 + n)));
        }
      }
    }
    return root;
  }

  private static void copyTree(Path from, Path to) throws IOException {
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

  /** Builds the stand-in library, or fails the amdsmi trial with the reason. */
  static Path compileStub(Path dir) throws IOException, InterruptedException {
    if (!Files.isRegularFile(STUB_SOURCE)) {
      throw new IllegalStateException("amdsmi source skipped: " + STUB_SOURCE.toAbsolutePath()
          + " not found (run from the project root)");
    }
    Path lib = dir.resolve("libamd_smi.so");
    Process gcc;
    try {
      gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O2", "-o", lib.toString(),
          STUB_SOURCE.toString()).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new IllegalStateException("amdsmi source skipped: no C compiler (gcc): " + e, e);
    }
    String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (gcc.waitFor() != 0) {
      throw new IllegalStateException("amdsmi source skipped: gcc failed:\n" + log);
    }
    return lib;
  }

  static void delete(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
