package ai.aim.rocm;

import java.util.Locale;

/**
 * Where GPU telemetry comes from. {@link #AUTO} is only a request; an opened
 * {@link GpuTelemetry} always reports the concrete source it uses.
 */
public enum Source {
  /** Try AMD SMI, then sysfs, then none. */
  AUTO,
  /** {@code libamd_smi.so} through JNA. */
  AMDSMI,
  /** The amdgpu driver's files under {@code /sys/class/drm/card*}{@code /device/}. */
  SYSFS,
  /** GPUs described in YAML, with memory use driven by placed models. */
  SIMULATED,
  /** No GPUs: every snapshot is empty. */
  NONE;

  /** The name used on the command line ({@code "amdsmi"}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a command-line value.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static Source parse(String text) {
    if (text != null) {
      String t = text.trim().toUpperCase(Locale.ROOT);
      for (Source s : values()) {
        if (s.name().equals(t)) {
          return s;
        }
      }
    }
    throw new IllegalArgumentException(
        "gpu source: " + text + " (expected: auto|amdsmi|sysfs|simulated|none)");
  }
}
