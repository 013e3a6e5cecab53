package ai.aim.proxy.gpu;

import ai.aim.rocm.GpuTelemetry;
import ai.aim.rocm.TelemetrySnapshot;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples GPU telemetry on a background thread and exports it as Micrometer gauges.
 *
 * <p>One daemon thread named {@code aim-gpu-sampler} owns the telemetry source and the gauges: it
 * samples at a fixed delay, publishes the snapshot through a volatile reference ({@link
 * #latest()}, safe to read from any thread, never blocks), then updates the gauges. Nothing here
 * runs on a request path. A failed sample is logged (once per distinct message) and leaves the
 * previous snapshot and gauges in place.
 *
 * <p>{@link #close()} stops the thread and removes the GPU gauges; it does not close the
 * telemetry source, which stays the caller's.
 */
public final class GpuMetrics implements AutoCloseable {
  /**
   * Default sampling interval. On a node of 8 x MI300X in CPX (64 partitions) one sample measured
   * about 27 us (simulated), 5 ms (sysfs) and 7 ms (AMD SMI binding) on a loaded 2-core machine
   * (docs/benchmarks.md, "GPU telemetry sampling"): every 5 s that is at most about 0.15% of one
   * core, off the request path, while partition memory changes only as models load and unload.
   */
  public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(GpuMetrics.class);

  private final GpuTelemetry telemetry;
  private final AllocationSource allocations;
  private final GpuMeters meters;
  private final ScheduledExecutorService thread;
  private final AtomicLong samples = new AtomicLong();
  private volatile TelemetrySnapshot latest;
  private String lastFailure;

  private GpuMetrics(GpuTelemetry telemetry, MeterRegistry registry, AllocationSource allocations) {
    this.telemetry = telemetry;
    this.allocations = allocations;
    this.meters = new GpuMeters(registry);
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "aim-gpu-sampler");
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * Starts sampling now and then every {@code interval}.
   *
   * @param telemetry the source, e.g. {@code GpuTelemetry.open(Source.AUTO)}; not closed here
   * @param registry where the {@code aim_gpu_*} gauges go
   * @param interval delay between the end of one sample and the start of the next, {@code > 0}
   * @param allocations bytes promised per partition
   */
  public static GpuMetrics start(GpuTelemetry telemetry, MeterRegistry registry,
      Duration interval, AllocationSource allocations) {
    Objects.requireNonNull(telemetry, "telemetry");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(allocations, "allocations");
    if (interval == null || interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("gpu sample interval: " + interval + " (expected: > 0)");
    }
    GpuMetrics m = new GpuMetrics(telemetry, registry, allocations);
    m.thread.scheduleWithFixedDelay(m::sampleOnce, 0, interval.toNanos(), TimeUnit.NANOSECONDS);
    LOG.info("gpu metrics: sampling {} every {}", telemetry.source().label(), interval);
    return m;
  }

  /** The most recent successful sample, or empty before the first one. Any thread. */
  public Optional<TelemetrySnapshot> latest() {
    return Optional.ofNullable(latest);
  }

  /** Number of successful samples so far. Any thread. */
  public long sampleCount() {
    return samples.get();
  }

  /** Runs on the sampler thread only. */
  private void sampleOnce() {
    try {
      TelemetrySnapshot s = telemetry.sample();
      latest = s;
      meters.update(s, allocations.allocatedBytes());
      samples.incrementAndGet();
      if (lastFailure != null) {
        LOG.info("gpu metrics: sampling {} recovered", telemetry.source().label());
        lastFailure = null;
      }
    } catch (RuntimeException e) {
      // Keep the thread alive: an exception escaping a scheduled task would cancel all later runs.
      String message = String.valueOf(e.getMessage());
      if (!message.equals(lastFailure)) {
        LOG.warn("gpu metrics: sampling {} failed, keeping the previous values: {}",
            telemetry.source().label(), message);
        lastFailure = message;
      }
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      if (!thread.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("gpu metrics: sampler thread did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    meters.clear();
  }
}
