package ai.aim.rocm;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How to open each telemetry source. Immutable; build with {@link #defaults()} and the {@code
 * with...} methods.
 *
 * @param sysfsRoot directory holding the {@code cardN} entries (normally {@code /sys/class/drm})
 * @param amdSmiLibrary absolute path of {@code libamd_smi.so}; empty means look it up by name on
 *     the JNA search path, {@code LD_LIBRARY_PATH} and {@code /opt/rocm/lib}
 * @param simulatedConfig YAML topology for the simulated source; empty means the embedded {@code
 *     mi300x-8-cpx-nps4.yaml}
 * @param xcdsPerGpu XCDs per GPU, which fixes the partition count in CPX mode for sysfs (sysfs
 *     does not expose it; 8 on MI300X and MI325X)
 */
public record TelemetryOptions(
    Path sysfsRoot, Optional<Path> amdSmiLibrary, Optional<Path> simulatedConfig, int xcdsPerGpu) {

  /** Where amdgpu exposes its DRM devices. */
  public static final Path DEFAULT_SYSFS_ROOT = Path.of("/sys/class/drm");

  public TelemetryOptions {
    Objects.requireNonNull(sysfsRoot, "sysfsRoot");
    Objects.requireNonNull(amdSmiLibrary, "amdSmiLibrary");
    Objects.requireNonNull(simulatedConfig, "simulatedConfig");
    if (xcdsPerGpu < 1) {
      throw new IllegalArgumentException("xcdsPerGpu: " + xcdsPerGpu + " (expected: >= 1)");
    }
  }

  /** sysfs at {@code /sys/class/drm}, AMD SMI by name, the embedded simulated topology, 8 XCDs. */
  public static TelemetryOptions defaults() {
    return new TelemetryOptions(DEFAULT_SYSFS_ROOT, Optional.empty(), Optional.empty(), 8);
  }

  public TelemetryOptions withSysfsRoot(Path root) {
    return new TelemetryOptions(root, amdSmiLibrary, simulatedConfig, xcdsPerGpu);
  }

  public TelemetryOptions withAmdSmiLibrary(Path library) {
    return new TelemetryOptions(sysfsRoot, Optional.of(library), simulatedConfig, xcdsPerGpu);
  }

  public TelemetryOptions withSimulatedConfig(Path yaml) {
    return new TelemetryOptions(sysfsRoot, amdSmiLibrary, Optional.of(yaml), xcdsPerGpu);
  }

  public TelemetryOptions withXcdsPerGpu(int xcds) {
    return new TelemetryOptions(sysfsRoot, amdSmiLibrary, simulatedConfig, xcds);
  }
}
