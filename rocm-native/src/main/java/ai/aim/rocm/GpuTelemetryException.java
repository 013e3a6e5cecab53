package ai.aim.rocm;

/**
 * A telemetry source could not be opened or could not enumerate its GPUs at all. Failures of a
 * single field never raise this; they leave the field unknown with a reason.
 */
public class GpuTelemetryException extends RuntimeException {
  public GpuTelemetryException(String message) {
    super(message);
  }

  public GpuTelemetryException(String message, Throwable cause) {
    super(message, cause);
  }
}
