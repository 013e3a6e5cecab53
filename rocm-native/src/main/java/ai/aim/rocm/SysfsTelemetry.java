package ai.aim.rocm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads amdgpu's sysfs attributes under {@code <root>/cardN/device/}. Only cards whose {@code
 * vendor} is {@code 0x1002} (AMD) count; connector entries ({@code card0-DP-1}) are skipped.
 *
 * <p>The driver exposes partition modes and VRAM for the PCI device (the physical GPU) only, so:
 * the partition count follows from the compute mode (SPX 1, DPX 2, TPX 3, QPX 4, CPX one per XCD);
 * each partition's VRAM total is an even share of the device's; per-partition VRAM use and
 * utilization are known only when the GPU is a single partition, and otherwise unknown with that
 * reason. Never throws from {@link #sample()}: a missing or unreadable file, as during a GPU
 * reset (EPERM, EIO), leaves its field unknown with the reason.
 *
 * <p>Which {@code cardN} entries are AMD GPUs is discovered again at most every {@link
 * #REDISCOVER_AFTER}, or at once when none was found or a known device's directory vanished:
 * scanning every entry's {@code vendor} (64 entries on a node of 8 GPUs in CPX) costs more than
 * reading the GPUs, and PCI devices only change on hot-plug or a driver reload.
 *
 * <p>Thread-safe: {@link #sample()} is serialized on this object's monitor, which guards the
 * discovered devices.
 */
final class SysfsTelemetry implements GpuTelemetry {
  static final String AMD_VENDOR = "0x1002";
  private static final Pattern CARD = Pattern.compile("card(\\d+)");
  private static final String SINGLE_GPU_ONLY = "sysfs reports this for the whole GPU only";
  private static final String ABSENT = "file absent";
  private static final String GONE = "mem_info_vram_total: " + ABSENT;

  /** Longest time the discovered device list is reused. */
  static final Duration REDISCOVER_AFTER = Duration.ofSeconds(60);

  private final Path root;
  private final SysfsFiles files;
  private final int xcdsPerGpu;
  private final LongSupplier nanoClock;
  private volatile boolean closed;
  private List<Path> devices = List.of();
  private long discoveredAt;
  private boolean stale = true;

  SysfsTelemetry(Path root, SysfsFiles files, int xcdsPerGpu) {
    this(root, files, xcdsPerGpu, System::nanoTime);
  }

  SysfsTelemetry(Path root, SysfsFiles files, int xcdsPerGpu, LongSupplier nanoClock) {
    this.root = root;
    this.files = files;
    this.xcdsPerGpu = xcdsPerGpu;
    this.nanoClock = nanoClock;
  }

  @Override
  public Source source() {
    return Source.SYSFS;
  }

  @Override
  public synchronized TelemetrySnapshot sample() {
    if (closed) {
      throw new IllegalStateException("gpu telemetry (sysfs) is closed");
    }
    long now = nanoClock.getAsLong();
    if (stale || devices.isEmpty() || now - discoveredAt >= REDISCOVER_AFTER.toNanos()) {
      devices = amdDevices();
      discoveredAt = now;
      stale = false;
    }
    List<GpuSnapshot> gpus = new ArrayList<>();
    for (Path device : devices) {
      GpuSnapshot gpu = readGpu(gpus.size(), device);
      if (GONE.equals(gpu.unknownReasons().get(Field.VRAM_TOTAL))) {
        // Every amdgpu device has this file; without it the device has likely vanished
        // (hot-unplug, driver unload), so look again next time.
        stale = true;
      }
      gpus.add(gpu);
    }
    return new TelemetrySnapshot(Source.SYSFS, gpus);
  }

  @Override
  public void close() {
    closed = true;
  }

  /** Device directories of AMD cards, ordered by card number. */
  private List<Path> amdDevices() {
    List<Path> entries;
    try {
      entries = files.list(root);
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
    List<int[]> numbered = new ArrayList<>();
    List<Path> byIndex = new ArrayList<>();
    for (Path entry : entries) {
      Matcher m = CARD.matcher(entry.getFileName().toString());
      if (m.matches()) {
        numbered.add(new int[] {Integer.parseInt(m.group(1)), byIndex.size()});
        byIndex.add(entry);
      }
    }
    numbered.sort((a, b) -> Integer.compare(a[0], b[0]));
    List<Path> devices = new ArrayList<>();
    for (int[] n : numbered) {
      Path device = byIndex.get(n[1]).resolve("device");
      Reading vendor = read(device.resolve("vendor"));
      if (vendor.value != null && vendor.value.trim().equalsIgnoreCase(AMD_VENDOR)) {
        devices.add(device);
      }
    }
    return devices;
  }

  private GpuSnapshot readGpu(int gpuId, Path device) {
    Map<Field, String> reasons = new EnumMap<>(Field.class);
    Optional<ComputePartition> compute =
        mode(device, "current_compute_partition", Field.COMPUTE_PARTITION, reasons,
            ComputePartition::parse);
    Optional<MemoryPartition> memory =
        mode(device, "current_memory_partition", Field.MEMORY_PARTITION, reasons,
            MemoryPartition::parse);
    Set<ComputePartition> availableCompute =
        modes(device, "available_compute_partition", Field.AVAILABLE_COMPUTE_PARTITIONS, reasons,
            ComputePartition::parse, ComputePartition.class);
    Set<MemoryPartition> availableMemory =
        modes(device, "available_memory_partition", Field.AVAILABLE_MEMORY_PARTITIONS, reasons,
            MemoryPartition::parse, MemoryPartition.class);
    OptionalLong total = bytes(device, "mem_info_vram_total", Field.VRAM_TOTAL, reasons);
    OptionalLong used = bytes(device, "mem_info_vram_used", Field.VRAM_USED, reasons);
    OptionalDouble busy = busy(device, reasons);

    int count = compute.map(c -> c.partitionCount(xcdsPerGpu)).orElse(1);
    List<PartitionSnapshot> partitions = new ArrayList<>(count);
    for (int p = 0; p < count; p++) {
      Map<Field, String> pr = new EnumMap<>(Field.class);
      copyReason(reasons, pr, Field.COMPUTE_PARTITION);
      copyReason(reasons, pr, Field.MEMORY_PARTITION);
      copyReason(reasons, pr, Field.VRAM_TOTAL);
      OptionalLong share =
          total.isPresent() ? OptionalLong.of(total.getAsLong() / count) : OptionalLong.empty();
      OptionalLong pUsed = used;
      OptionalDouble pBusy = busy;
      if (count == 1) {
        copyReason(reasons, pr, Field.VRAM_USED);
        copyReason(reasons, pr, Field.UTILIZATION);
      } else {
        pUsed = OptionalLong.empty();
        pBusy = OptionalDouble.empty();
        pr.put(Field.VRAM_USED, SINGLE_GPU_ONLY);
        pr.put(Field.UTILIZATION, SINGLE_GPU_ONLY);
      }
      partitions.add(
          new PartitionSnapshot(gpuId, p, compute, memory, share, pUsed, pBusy, pr));
    }
    String deviceId = device.getParent().getFileName().toString();
    return new GpuSnapshot(
        gpuId, deviceId, compute, memory, availableCompute, availableMemory, total, used, busy,
        partitions, reasons);
  }

  private static void copyReason(Map<Field, String> from, Map<Field, String> to, Field f) {
    String r = from.get(f);
    if (r != null) {
      to.put(f, r);
    }
  }

  private <M> Optional<M> mode(
      Path device, String file, Field field, Map<Field, String> reasons,
      Function<String, Optional<M>> parse) {
    String text = text(device, file, field, reasons);
    if (text == null) {
      return Optional.empty();
    }
    Optional<M> mode = parse.apply(text);
    if (mode.isEmpty()) {
      reasons.put(field, file + ": unrecognized mode '" + text + "'");
    }
    return mode;
  }

  private <M extends Enum<M>> Set<M> modes(
      Path device, String file, Field field, Map<Field, String> reasons,
      Function<String, Optional<M>> parse, Class<M> type) {
    String text = text(device, file, field, reasons);
    if (text == null) {
      return Set.of();
    }
    Set<M> modes = EnumSet.noneOf(type);
    for (String token : text.split("[,\\s]+")) {
      parse.apply(token).ifPresent(modes::add);
    }
    if (modes.isEmpty()) {
      reasons.put(field, file + ": no recognized mode in '" + text + "'");
    }
    return modes;
  }

  private OptionalLong bytes(Path device, String file, Field field, Map<Field, String> reasons) {
    String text = text(device, file, field, reasons);
    if (text == null) {
      return OptionalLong.empty();
    }
    try {
      long value = Long.parseUnsignedLong(text);
      if (value < 0) {
        reasons.put(field, file + ": '" + text + "' exceeds 2^63-1 bytes");
        return OptionalLong.empty();
      }
      return OptionalLong.of(value);
    } catch (NumberFormatException e) {
      reasons.put(field, file + ": '" + text + "' is not a byte count");
      return OptionalLong.empty();
    }
  }

  private OptionalDouble busy(Path device, Map<Field, String> reasons) {
    String file = "gpu_busy_percent";
    String text = text(device, file, Field.UTILIZATION, reasons);
    if (text == null) {
      return OptionalDouble.empty();
    }
    try {
      int percent = Integer.parseInt(text);
      if (percent < 0 || percent > 100) {
        reasons.put(Field.UTILIZATION, file + ": " + percent + " is outside 0..100");
        return OptionalDouble.empty();
      }
      return OptionalDouble.of(percent / 100.0);
    } catch (NumberFormatException e) {
      reasons.put(Field.UTILIZATION, file + ": '" + text + "' is not a percentage");
      return OptionalDouble.empty();
    }
  }

  /** Trimmed content, or null with the reason recorded. */
  private String text(Path device, String file, Field field, Map<Field, String> reasons) {
    Reading r = read(device.resolve(file));
    if (r.value == null) {
      reasons.put(field, file + ": " + r.failure);
      return null;
    }
    String t = r.value.trim();
    if (t.isEmpty()) {
      reasons.put(field, file + ": file empty");
      return null;
    }
    return t;
  }

  private Reading read(Path file) {
    try {
      return new Reading(files.read(file), null);
    } catch (NoSuchFileException e) {
      return new Reading(null, ABSENT);
    } catch (AccessDeniedException e) {
      return new Reading(null, "permission denied (EPERM); the GPU may be resetting");
    } catch (IOException e) {
      return new Reading(null, describe(e));
    } catch (UncheckedIOException e) {
      return new Reading(null, describe(e.getCause()));
    } catch (RuntimeException e) {
      // A driver mid-reset can make a file misbehave in ways no exception type predicts; the
      // sampler must keep going, so this field is simply unknown.
      return new Reading(null,
          "read failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  static String describe(IOException e) {
    String m = String.valueOf(e.getMessage());
    if (m.contains("EPERM") || m.contains("Operation not permitted")) {
      return "permission denied (EPERM); the GPU may be resetting";
    }
    if (m.contains("EIO") || m.contains("Input/output error")) {
      return "I/O error (EIO); the GPU may be resetting";
    }
    return "read failed: " + e.getClass().getSimpleName() + ": " + m;
  }

  private record Reading(String value, String failure) {}
}
