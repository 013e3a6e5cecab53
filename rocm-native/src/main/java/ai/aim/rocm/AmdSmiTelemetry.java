package ai.aim.rocm;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;

/**
 * Telemetry from {@code libamd_smi.so} through JNA.
 *
 * <p><b>Grouping rule.</b> AMD SMI reports one socket per physical GPU and, under it, one
 * processor handle per partition (one in SPX, eight in CPX on MI300X). So a socket is a GPU (ids
 * in socket order) and its processor handles, in enumeration order, are its partitions. The GPU's
 * modes are its first partition's (all partitions of a GPU share them). The GPU's VRAM total and
 * use are the sums over its partitions, except in NPS1 with several partitions, where the
 * partitions share one memory pool and each reports it, so the largest value is taken. GPU
 * utilization is the mean of the partitions' {@code gfx_activity}.
 *
 * <p><b>Errors.</b> {@code AMDSMI_STATUS_NOT_SUPPORTED} from a field's call leaves that field
 * unknown with the reason; any other status from a field's call does too, naming the call and the
 * status. A failing {@code amdsmi_init} or handle enumeration raises {@link
 * GpuTelemetryException} naming the call and the status.
 *
 * <p>Thread-safe: native calls are serialized on this object's monitor.
 */
final class AmdSmiTelemetry implements GpuTelemetry {
  private static final int MODE_BUFFER = 32;

  private final AmdSmiLibrary lib;
  private final Memory activity = new Memory(AmdSmiLibrary.ENGINE_USAGE_SIZE);
  private final LongByReference u64 = new LongByReference();
  private final byte[] modeBuffer = new byte[MODE_BUFFER];
  private boolean closed;

  private AmdSmiTelemetry(AmdSmiLibrary lib) {
    this.lib = lib;
  }

  /** Loads the library and calls {@code amdsmi_init(AMDSMI_INIT_AMD_GPUS)}. */
  static AmdSmiTelemetry open(TelemetryOptions options) {
    AmdSmiLibrary lib = load(options.amdSmiLibrary());
    int status = lib.amdsmi_init(AmdSmiLibrary.INIT_AMD_GPUS);
    if (status != AmdSmiStatus.SUCCESS) {
      throw new GpuTelemetryException("amdsmi_init(AMDSMI_INIT_AMD_GPUS) failed: "
          + AmdSmiStatus.describe(status));
    }
    return new AmdSmiTelemetry(lib);
  }

  private static AmdSmiLibrary load(Optional<Path> path) {
    try {
      if (path.isPresent()) {
        return Native.load(path.get().toAbsolutePath().toString(), AmdSmiLibrary.class);
      }
      NativeLibrary.addSearchPath("amd_smi", "/opt/rocm/lib");
      return Native.load("amd_smi", AmdSmiLibrary.class);
    } catch (UnsatisfiedLinkError e) {
      throw new GpuTelemetryException(
          "cannot load " + path.map(Path::toString).orElse("libamd_smi.so") + ": "
              + e.getMessage(), e);
    }
  }

  @Override
  public Source source() {
    return Source.AMDSMI;
  }

  @Override
  public synchronized TelemetrySnapshot sample() {
    if (closed) {
      throw new IllegalStateException("gpu telemetry (amdsmi) is closed");
    }
    Pointer[] sockets = handles("amdsmi_get_socket_handles",
        (count, out) -> lib.amdsmi_get_socket_handles(count, out));
    List<GpuSnapshot> gpus = new ArrayList<>(sockets.length);
    for (Pointer socket : sockets) {
      Pointer[] processors = handles("amdsmi_get_processor_handles",
          (count, out) -> lib.amdsmi_get_processor_handles(socket, count, out));
      if (processors.length > 0) {
        gpus.add(readGpu(gpus.size(), processors));
      }
    }
    return new TelemetrySnapshot(Source.AMDSMI, gpus);
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      lib.amdsmi_shut_down();
    }
  }

  private interface HandleCall {
    int call(IntByReference count, Pointer[] out);
  }

  /** The two-call protocol: count with a null buffer, then fill a buffer of that size. */
  private static Pointer[] handles(String function, HandleCall call) {
    IntByReference count = new IntByReference(0);
    int status = call.call(count, null);
    check(function + " (count)", status);
    if (count.getValue() == 0) {
      return new Pointer[0];
    }
    Pointer[] out = new Pointer[count.getValue()];
    status = call.call(count, out);
    check(function, status);
    int n = Math.min(count.getValue(), out.length);
    Pointer[] filled = new Pointer[n];
    System.arraycopy(out, 0, filled, 0, n);
    return filled;
  }

  private static void check(String function, int status) {
    if (status != AmdSmiStatus.SUCCESS) {
      throw new GpuTelemetryException(function + " failed: " + AmdSmiStatus.describe(status));
    }
  }

  private GpuSnapshot readGpu(int gpuId, Pointer[] processors) {
    List<PartitionSnapshot> parts = new ArrayList<>(processors.length);
    for (int p = 0; p < processors.length; p++) {
      parts.add(readPartition(gpuId, p, processors[p]));
    }
    PartitionSnapshot first = parts.get(0);
    Map<Field, String> reasons = new EnumMap<>(Field.class);
    first.unknownReason(Field.COMPUTE_PARTITION)
        .ifPresent(r -> reasons.put(Field.COMPUTE_PARTITION, r));
    first.unknownReason(Field.MEMORY_PARTITION)
        .ifPresent(r -> reasons.put(Field.MEMORY_PARTITION, r));
    String notRead = "not read through AMD SMI (only the current mode is queried)";
    reasons.put(Field.AVAILABLE_COMPUTE_PARTITIONS, notRead);
    reasons.put(Field.AVAILABLE_MEMORY_PARTITIONS, notRead);
    boolean sharedPool = parts.size() > 1
        && first.memoryPartition().map(m -> m == MemoryPartition.NPS1).orElse(false);
    OptionalLong total =
        combine(parts, PartitionSnapshot::vramTotalBytes, sharedPool, Field.VRAM_TOTAL, reasons);
    OptionalLong used =
        combine(parts, PartitionSnapshot::vramUsedBytes, sharedPool, Field.VRAM_USED, reasons);
    double sum = 0;
    int known = 0;
    for (PartitionSnapshot p : parts) {
      if (p.utilization().isPresent()) {
        sum += p.utilization().getAsDouble();
        known++;
      }
    }
    OptionalDouble util = known == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / known);
    if (known == 0) {
      reasons.put(Field.UTILIZATION, first.unknownReason(Field.UTILIZATION).orElseThrow());
    }
    return new GpuSnapshot(gpuId, deviceId(gpuId, processors[0]), first.computePartition(),
        first.memoryPartition(), Set.of(), Set.of(), total, used, util, parts, reasons);
  }

  /** Sum (or max for a shared pool) when every partition knows the value; else unknown. */
  private static OptionalLong combine(List<PartitionSnapshot> parts,
      Function<PartitionSnapshot, OptionalLong> get, boolean sharedPool, Field field,
      Map<Field, String> reasons) {
    long acc = 0;
    for (PartitionSnapshot p : parts) {
      OptionalLong v = get.apply(p);
      if (v.isEmpty()) {
        reasons.put(field, "partition " + p.partitionId() + ": "
            + p.unknownReason(field).orElse("unknown"));
        return OptionalLong.empty();
      }
      acc = sharedPool ? Math.max(acc, v.getAsLong()) : acc + v.getAsLong();
    }
    return OptionalLong.of(acc);
  }

  private PartitionSnapshot readPartition(int gpuId, int partitionId, Pointer h) {
    Map<Field, String> reasons = new EnumMap<>(Field.class);
    Optional<ComputePartition> compute = mode("amdsmi_get_gpu_compute_partition",
        lib.amdsmi_get_gpu_compute_partition(h, clearedModeBuffer(), MODE_BUFFER),
        Field.COMPUTE_PARTITION, reasons, ComputePartition::parse);
    Optional<MemoryPartition> memory = mode("amdsmi_get_gpu_memory_partition",
        lib.amdsmi_get_gpu_memory_partition(h, clearedModeBuffer(), MODE_BUFFER),
        Field.MEMORY_PARTITION, reasons, MemoryPartition::parse);
    OptionalLong total = bytes("amdsmi_get_gpu_memory_total",
        lib.amdsmi_get_gpu_memory_total(h, AmdSmiLibrary.MEM_TYPE_VRAM, u64),
        Field.VRAM_TOTAL, reasons);
    OptionalLong used = bytes("amdsmi_get_gpu_memory_usage",
        lib.amdsmi_get_gpu_memory_usage(h, AmdSmiLibrary.MEM_TYPE_VRAM, u64),
        Field.VRAM_USED, reasons);
    OptionalDouble util = OptionalDouble.empty();
    activity.clear();
    int status = lib.amdsmi_get_gpu_activity(h, activity);
    if (status == AmdSmiStatus.SUCCESS) {
      long gfx = Integer.toUnsignedLong(activity.getInt(0));
      if (gfx <= 100) {
        util = OptionalDouble.of(gfx / 100.0);
      } else {
        reasons.put(Field.UTILIZATION, "amdsmi_get_gpu_activity: gfx_activity " + gfx
            + " is outside 0..100");
      }
    } else {
      reasons.put(Field.UTILIZATION, failure("amdsmi_get_gpu_activity", status));
    }
    return new PartitionSnapshot(gpuId, partitionId, compute, memory, total, used, util, reasons);
  }

  private <M> Optional<M> mode(String function, int status, Field field,
      Map<Field, String> reasons, Function<String, Optional<M>> parse) {
    if (status != AmdSmiStatus.SUCCESS) {
      reasons.put(field, failure(function, status));
      return Optional.empty();
    }
    String text = cString(modeBuffer);
    Optional<M> mode = parse.apply(text);
    if (mode.isEmpty()) {
      reasons.put(field, function + ": unrecognized mode '" + text + "'");
    }
    return mode;
  }

  private OptionalLong bytes(String function, int status, Field field,
      Map<Field, String> reasons) {
    if (status != AmdSmiStatus.SUCCESS) {
      reasons.put(field, failure(function, status));
      return OptionalLong.empty();
    }
    long v = u64.getValue();
    if (v < 0) {
      reasons.put(field, function + ": " + Long.toUnsignedString(v) + " exceeds 2^63-1 bytes");
      return OptionalLong.empty();
    }
    return OptionalLong.of(v);
  }

  private static String failure(String function, int status) {
    if (status == AmdSmiStatus.NOT_SUPPORTED) {
      return "not supported by this GPU or driver (" + function + ": "
          + AmdSmiStatus.describe(status) + ")";
    }
    return function + " failed: " + AmdSmiStatus.describe(status);
  }

  private String deviceId(int gpuId, Pointer firstProcessor) {
    int status = lib.amdsmi_get_gpu_device_bdf(firstProcessor, u64);
    if (status != AmdSmiStatus.SUCCESS) {
      return "socket" + gpuId;
    }
    long bdf = u64.getValue();
    long device = (bdf >>> 3) & 0x1f;
    long bus = (bdf >>> 8) & 0xff;
    long domain = bdf >>> 16;
    return String.format("%04x:%02x:%02x", domain, bus, device);
  }

  /** The shared mode buffer, zeroed so that a short answer is NUL-terminated. */
  private byte[] clearedModeBuffer() {
    Arrays.fill(modeBuffer, (byte) 0);
    return modeBuffer;
  }

  private static String cString(byte[] buffer) {
    int n = 0;
    while (n < buffer.length && buffer[n] != 0) {
      n++;
    }
    return new String(buffer, 0, n, StandardCharsets.US_ASCII).trim();
  }
}
