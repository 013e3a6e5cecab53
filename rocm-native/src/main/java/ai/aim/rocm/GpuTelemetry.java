package ai.aim.rocm;

/**
 * A source of AMD GPU partition telemetry: physical GPUs, their compute and memory partition
 * modes, and per-partition VRAM and utilization.
 *
 * <p>Threading: implementations are thread-safe, but {@link #sample()} does I/O (sysfs reads or
 * native calls) and is meant to be called from one background sampler thread, never from a
 * request path. {@link #close()} is idempotent; sampling after close throws {@link
 * IllegalStateException}.
 */
public interface GpuTelemetry extends AutoCloseable {

  /** The concrete source (never {@link Source#AUTO}). */
  Source source();

  /**
   * Reads every GPU now. A field that cannot be read is left unknown with a reason; only a
   * failure to enumerate the GPUs at all raises an exception.
   *
   * @throws GpuTelemetryException when the source cannot enumerate its GPUs
   */
  TelemetrySnapshot sample();

  @Override
  void close();

  /**
   * Opens a source. {@link Source#AUTO} tries AMD SMI, then sysfs, then none, and logs once which
   * one it chose and why the others were not used.
   *
   * @throws GpuTelemetryException when an explicitly requested source cannot be opened
   */
  static GpuTelemetry open(Source source, TelemetryOptions options) {
    return TelemetryOpener.open(source, options);
  }

  /** Opens a source with {@link TelemetryOptions#defaults()}. */
  static GpuTelemetry open(Source source) {
    return open(source, TelemetryOptions.defaults());
  }
}
