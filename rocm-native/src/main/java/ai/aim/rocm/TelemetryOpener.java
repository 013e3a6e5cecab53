package ai.aim.rocm;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Opens a source by name and implements the {@code auto} rule. Stateless. */
final class TelemetryOpener {
  private static final Logger LOG = LoggerFactory.getLogger(GpuTelemetry.class);

  private TelemetryOpener() {}

  static GpuTelemetry open(Source source, TelemetryOptions options) {
    switch (source) {
      case AMDSMI:
        return AmdSmiTelemetry.open(options);
      case SYSFS:
        return new SysfsTelemetry(options.sysfsRoot(), SysfsFiles.real(), options.xcdsPerGpu());
      case SIMULATED:
        return options.simulatedConfig().isPresent()
            ? SimulatedTelemetry.fromYaml(options.simulatedConfig().get())
            : SimulatedTelemetry.defaultTopology();
      case NONE:
        return new NoGpuTelemetry();
      case AUTO:
        return auto(options);
      default:
        throw new IllegalArgumentException("gpu source: " + source);
    }
  }

  /**
   * AMD SMI if the library loads, initializes and finds a GPU; else sysfs if it shows an AMD GPU;
   * else none. One log line says which and why the others were passed over.
   */
  private static GpuTelemetry auto(TelemetryOptions options) {
    String amdSmiWhy;
    try {
      AmdSmiTelemetry amdSmi = AmdSmiTelemetry.open(options);
      int gpus = gpuCount(amdSmi);
      if (gpus > 0) {
        LOG.info("gpu telemetry: using amdsmi ({} GPUs)", gpus);
        return amdSmi;
      }
      amdSmi.close();
      amdSmiWhy = "amdsmi found no GPUs";
    } catch (GpuTelemetryException e) {
      amdSmiWhy = e.getMessage();
    }
    String sysfsWhy;
    SysfsTelemetry sysfs =
        new SysfsTelemetry(options.sysfsRoot(), SysfsFiles.real(), options.xcdsPerGpu());
    int sysfsGpus = sysfs.sample().gpus().size();
    if (sysfsGpus > 0) {
      LOG.info(
          "gpu telemetry: using sysfs at {} ({} GPUs); not amdsmi: {}",
          options.sysfsRoot(),
          sysfsGpus,
          amdSmiWhy);
      return sysfs;
    }
    sysfs.close();
    sysfsWhy = "no AMD GPU (vendor 0x1002) under " + options.sysfsRoot();
    LOG.info("gpu telemetry: using none; not amdsmi: {}; not sysfs: {}", amdSmiWhy, sysfsWhy);
    return new NoGpuTelemetry();
  }

  private static int gpuCount(AmdSmiTelemetry amdSmi) {
    try {
      return amdSmi.sample().gpus().size();
    } catch (GpuTelemetryException e) {
      amdSmi.close();
      throw e;
    }
  }
}
