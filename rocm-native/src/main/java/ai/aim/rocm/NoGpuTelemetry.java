package ai.aim.rocm;

/** The {@code none} source: no GPUs. Stateless apart from the closed flag; thread-safe. */
final class NoGpuTelemetry implements GpuTelemetry {
  private static final TelemetrySnapshot EMPTY = TelemetrySnapshot.empty(Source.NONE);
  private volatile boolean closed;

  @Override
  public Source source() {
    return Source.NONE;
  }

  @Override
  public TelemetrySnapshot sample() {
    if (closed) {
      throw new IllegalStateException("gpu telemetry (none) is closed");
    }
    return EMPTY;
  }

  @Override
  public void close() {
    closed = true;
  }
}
