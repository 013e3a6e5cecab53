package ai.aim.rocm;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;

/**
 * GPUs and partitions described in YAML, whose used memory is driven by the models placed on them
 * ({@link #place}, {@link #remove}). Used by the demo, the scheduler's tests and the benchmarks.
 *
 * <p>Each partition's VRAM is an even share of its GPU's; used = the partition's reserved bytes
 * plus the bytes of the models placed there. Every field is always known.
 *
 * <p>Thread-safe: all state is guarded by this object's monitor, so a scheduler thread may place
 * models while a sampler thread samples.
 */
public final class SimulatedTelemetry implements GpuTelemetry {
  /** Embedded default topology: 8 x MI300X, CPX/NPS4, 192 GiB each. */
  public static final String DEFAULT_RESOURCE = "mi300x-8-cpx-nps4.yaml";

  private static final long GIB = 1L << 30;
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final List<Gpu> gpus;
  private boolean closed;

  private SimulatedTelemetry(List<Gpu> gpus) {
    this.gpus = gpus;
  }

  /** The embedded {@value #DEFAULT_RESOURCE}. */
  public static SimulatedTelemetry defaultTopology() {
    try (InputStream in = SimulatedTelemetry.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new GpuTelemetryException("simulated GPU config: resource " + DEFAULT_RESOURCE
            + " missing from the classpath");
      }
      return fromYaml(DEFAULT_RESOURCE, in);
    } catch (IOException e) {
      throw new GpuTelemetryException("simulated GPU config " + DEFAULT_RESOURCE + ": " + e, e);
    }
  }

  /**
   * Reads a topology file.
   *
   * @throws GpuTelemetryException naming the file and what was wrong
   */
  public static SimulatedTelemetry fromYaml(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return fromYaml(file.toString(), in);
    } catch (IOException e) {
      throw new GpuTelemetryException("simulated GPU config " + file + ": cannot read: " + e, e);
    }
  }

  /**
   * Reads a topology from a stream.
   *
   * @param name names the input in error messages
   * @throws GpuTelemetryException naming the input and what was wrong
   */
  public static SimulatedTelemetry fromYaml(String name, InputStream yaml) {
    SimulatedConfig config;
    try {
      config = YAML.readValue(yaml, SimulatedConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new GpuTelemetryException("simulated GPU config " + name + ": " + path(e)
          + ": unknown key (expected one of "
          + e.getKnownPropertyIds() + ")" + location(e), e);
    } catch (JsonMappingException e) {
      throw new GpuTelemetryException("simulated GPU config " + name + ": " + path(e) + ": "
          + e.getOriginalMessage() + location(e), e);
    } catch (JacksonException e) {
      throw new GpuTelemetryException(
          "simulated GPU config " + name + ": " + e.getOriginalMessage() + location(e), e);
    } catch (IOException e) {
      throw new GpuTelemetryException("simulated GPU config " + name + ": " + e, e);
    }
    if (config == null || config.gpus() == null || config.gpus().isEmpty()) {
      throw new GpuTelemetryException(
          "simulated GPU config " + name + ": gpus: none (expected: at least one GPU group)");
    }
    try {
      List<Gpu> gpus = new ArrayList<>();
      for (int g = 0; g < config.gpus().size(); g++) {
        SimulatedConfig.GpuGroup group = config.gpus().get(g);
        int count = group.count() == null ? 1 : group.count();
        if (count < 1) {
          throw new IllegalArgumentException("gpus[" + g + "].count: " + count
              + " (expected: >= 1)");
        }
        for (int i = 0; i < count; i++) {
          gpus.add(Gpu.of("gpus[" + g + "]", group, gpus.size(), deviceId(i, count, group)));
        }
      }
      return new SimulatedTelemetry(gpus);
    } catch (IllegalArgumentException e) {
      throw new GpuTelemetryException("simulated GPU config " + name + ": " + e.getMessage(), e);
    }
  }

  private static String deviceId(int i, int count, SimulatedConfig.GpuGroup group) {
    String base = group.name() == null ? "sim-gpu" : group.name();
    return count == 1 ? base : base + "-" + i;
  }

  /** The YAML path of a mapping error, like {@code gpus[0]}. */
  private static String path(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.length() == 0 ? "(document)" : sb.toString();
  }

  private static String location(JacksonException e) {
    return e.getLocation() == null
        ? ""
        : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
            + ")";
  }

  @Override
  public Source source() {
    return Source.SIMULATED;
  }

  /**
   * Places {@code model} on a partition, adding {@code bytes} to its used VRAM.
   *
   * @throws IllegalArgumentException when the partition does not exist, the model is already
   *     there, or the bytes do not fit in the partition's free VRAM
   */
  public synchronized void place(String model, PartitionRef partition, long bytes) {
    checkOpen();
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("model: '" + model + "' (expected: a model name)");
    }
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
    }
    Part part = part(partition);
    if (part.models.containsKey(model)) {
      throw new IllegalArgumentException(
          "model " + model + " is already placed on partition " + partition);
    }
    long free = part.total - part.used();
    if (bytes > free) {
      throw new IllegalArgumentException("partition " + partition + ": model " + model
          + " needs " + bytes + " bytes, " + free + " free (expected: <= free)");
    }
    part.models.put(model, bytes);
  }

  /**
   * Removes {@code model} from a partition, freeing its bytes.
   *
   * @return whether the model was placed there
   */
  public synchronized boolean remove(String model, PartitionRef partition) {
    checkOpen();
    return part(partition).models.remove(model) != null;
  }

  /** Models placed on a partition and their bytes, in placing order. */
  public synchronized Map<String, Long> placed(PartitionRef partition) {
    return Map.copyOf(part(partition).models);
  }

  /** Sets a partition's utilization (0..1), which is otherwise the YAML's value. */
  public synchronized void setUtilization(PartitionRef partition, double utilization) {
    if (!(utilization >= 0.0 && utilization <= 1.0)) {
      throw new IllegalArgumentException("utilization: " + utilization + " (expected: 0..1)");
    }
    part(partition).utilization = utilization;
  }

  /**
   * Changes a GPU's partition modes, as an operator would with {@code amd-smi set}. Like the
   * driver, refuses while any model is placed on the GPU.
   */
  public synchronized void repartition(int gpuId, ComputePartition compute, MemoryPartition memory) {
    checkOpen();
    if (gpuId < 0 || gpuId >= gpus.size()) {
      throw new IllegalArgumentException(
          "gpuId: " + gpuId + " (expected: 0.." + (gpus.size() - 1) + ")");
    }
    Gpu gpu = gpus.get(gpuId);
    for (Part p : gpu.parts) {
      if (!p.models.isEmpty()) {
        throw new IllegalStateException("gpu " + gpuId + " cannot be repartitioned: partition "
            + gpuId + "/" + p.id + " holds " + p.models.keySet());
      }
    }
    gpu.partition(compute, memory);
  }

  @Override
  public synchronized TelemetrySnapshot sample() {
    checkOpen();
    List<GpuSnapshot> out = new ArrayList<>(gpus.size());
    for (Gpu gpu : gpus) {
      out.add(gpu.snapshot());
    }
    return new TelemetrySnapshot(Source.SIMULATED, out);
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("gpu telemetry (simulated) is closed");
    }
  }

  private Part part(PartitionRef ref) {
    if (ref.gpuId() >= gpus.size()) {
      throw new IllegalArgumentException(
          "partition " + ref + ": no GPU " + ref.gpuId() + " (expected: 0.." + (gpus.size() - 1)
              + ")");
    }
    List<Part> parts = gpus.get(ref.gpuId()).parts;
    if (ref.partitionId() >= parts.size()) {
      throw new IllegalArgumentException("partition " + ref + ": GPU " + ref.gpuId() + " has "
          + parts.size() + " partitions (expected: partitionId 0.." + (parts.size() - 1) + ")");
    }
    return parts.get(ref.partitionId());
  }

  /** One simulated GPU; guarded by the enclosing object's monitor. */
  private static final class Gpu {
    final int id;
    final String deviceId;
    final long total;
    final int xcds;
    final long reserved;
    final double baseUtilization;
    final Set<ComputePartition> availableCompute;
    final Set<MemoryPartition> availableMemory;
    ComputePartition compute;
    MemoryPartition memory;
    List<Part> parts = List.of();

    private Gpu(int id, String deviceId, long total, int xcds, long reserved,
        double baseUtilization, Set<ComputePartition> availableCompute,
        Set<MemoryPartition> availableMemory) {
      this.id = id;
      this.deviceId = deviceId;
      this.total = total;
      this.xcds = xcds;
      this.reserved = reserved;
      this.baseUtilization = baseUtilization;
      this.availableCompute = availableCompute;
      this.availableMemory = availableMemory;
    }

    static Gpu of(String at, SimulatedConfig.GpuGroup g, int id, String deviceId) {
      ComputePartition compute = ComputePartition.parse(g.computePartition()).orElseThrow(() ->
          new IllegalArgumentException(at + ".computePartition: " + g.computePartition()
              + " (expected: SPX|DPX|TPX|QPX|CPX)"));
      MemoryPartition memory = MemoryPartition.parse(g.memoryPartition()).orElseThrow(() ->
          new IllegalArgumentException(at + ".memoryPartition: " + g.memoryPartition()
              + " (expected: NPS1|NPS2|NPS4|NPS8)"));
      Set<ComputePartition> ac = EnumSet.of(compute);
      if (g.availableComputePartitions() != null) {
        for (String s : g.availableComputePartitions()) {
          ac.add(ComputePartition.parse(s).orElseThrow(() -> new IllegalArgumentException(
              at + ".availableComputePartitions: " + s + " (expected: SPX|DPX|TPX|QPX|CPX)")));
        }
      }
      Set<MemoryPartition> am = EnumSet.of(memory);
      if (g.availableMemoryPartitions() != null) {
        for (String s : g.availableMemoryPartitions()) {
          am.add(MemoryPartition.parse(s).orElseThrow(() -> new IllegalArgumentException(
              at + ".availableMemoryPartitions: " + s + " (expected: NPS1|NPS2|NPS4|NPS8)")));
        }
      }
      if (g.vramGiB() < 1) {
        throw new IllegalArgumentException(at + ".vramGiB: " + g.vramGiB() + " (expected: >= 1)");
      }
      int xcds = g.xcds() == null ? 8 : g.xcds();
      if (xcds < 1) {
        throw new IllegalArgumentException(at + ".xcds: " + xcds + " (expected: >= 1)");
      }
      long reserved = g.reservedBytesPerPartition() == null ? 0 : g.reservedBytesPerPartition();
      if (reserved < 0) {
        throw new IllegalArgumentException(
            at + ".reservedBytesPerPartition: " + reserved + " (expected: >= 0)");
      }
      double util = g.utilization() == null ? 0.0 : g.utilization();
      if (!(util >= 0.0 && util <= 1.0)) {
        throw new IllegalArgumentException(at + ".utilization: " + util + " (expected: 0..1)");
      }
      Gpu gpu = new Gpu(id, deviceId, g.vramGiB() * GIB, xcds, reserved, util, ac, am);
      gpu.partition(compute, memory);
      return gpu;
    }

    void partition(ComputePartition c, MemoryPartition m) {
      int count = c.partitionCount(xcds);
      long share = total / count;
      if (reserved > share) {
        throw new IllegalArgumentException("gpu " + id + ": reservedBytesPerPartition " + reserved
            + " exceeds the partition size " + share + " in " + c);
      }
      List<Part> fresh = new ArrayList<>(count);
      for (int p = 0; p < count; p++) {
        fresh.add(new Part(p, share, reserved, baseUtilization));
      }
      compute = c;
      memory = m;
      parts = fresh;
    }

    GpuSnapshot snapshot() {
      List<PartitionSnapshot> ps = new ArrayList<>(parts.size());
      long used = 0;
      double util = 0;
      for (Part p : parts) {
        used += p.used();
        util += p.utilization;
        ps.add(new PartitionSnapshot(id, p.id, Optional.of(compute), Optional.of(memory),
            OptionalLong.of(p.total), OptionalLong.of(p.used()), OptionalDouble.of(p.utilization),
            Map.of()));
      }
      return new GpuSnapshot(id, deviceId, Optional.of(compute), Optional.of(memory),
          availableCompute, availableMemory, OptionalLong.of(total), OptionalLong.of(used),
          OptionalDouble.of(util / parts.size()), ps, Map.of());
    }
  }

  /** One simulated partition; guarded by the enclosing object's monitor. */
  private static final class Part {
    final int id;
    final long total;
    final long reserved;
    final Map<String, Long> models = new LinkedHashMap<>();
    double utilization;

    Part(int id, long total, long reserved, double utilization) {
      this.id = id;
      this.total = total;
      this.reserved = reserved;
      this.utilization = utilization;
    }

    long used() {
      long sum = reserved;
      for (long b : models.values()) {
        sum += b;
      }
      return sum;
    }
  }
}
