package ai.aim.proxy;

import ai.aim.proxy.config.ConfigException;
import ai.aim.proxy.config.ConfigLoader;
import ai.aim.proxy.config.ProxyConfig;
import ai.aim.proxy.gpu.AllocationSource;
import ai.aim.proxy.gpu.GpuMetrics;
import ai.aim.proxy.metrics.AimMetrics;
import ai.aim.rocm.GpuTelemetry;
import ai.aim.rocm.Source;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The sidecar's command line: reads the YAML config, applies the flags on top, starts a {@link
 * ProxyServer} and drains it on SIGTERM (JVM shutdown hook). Exit code 2 for a configuration error.
 */
@Command(
    name = "aim-proxy",
    mixinStandardHelpOptions = true,
    version = "aim-proxy 0.1.0",
    description = "AIM admission sidecar: classifies, admits and forwards inference requests to the "
        + "model server on localhost. Flags override the --config file; see docs/configuration.md.")
public final class Main implements Callable<Integer> {

  @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration file.")
  Path config;

  @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP/1.1 + h2c port (default 8080).")
  Integer httpPort;

  @Option(names = "--grpc-port", paramLabel = "PORT", description = "gRPC port (default 8081).")
  Integer grpcPort;

  @Option(names = "--admin-port", paramLabel = "PORT",
      description = "Admin port: /health/live, /health/ready, /metrics (default 9090).")
  Integer adminPort;

  @Option(names = "--upstream-http", paramLabel = "URL",
      description = "The model server's HTTP endpoint (default http://127.0.0.1:8000).")
  String upstreamHttp;

  @Option(names = "--upstream-grpc", paramLabel = "HOST:PORT",
      description = "The model server's gRPC endpoint (default 127.0.0.1:8001).")
  String upstreamGrpc;

  @Option(names = "--upstream-protocol", paramLabel = "http1|h2c",
      description = "How to speak HTTP to the model server (default http1).")
  String upstreamProtocol;

  @Option(names = "--max-inflight", paramLabel = "N",
      description = "Concurrency limit towards the model server (default: the admission default).")
  Integer maxInflight;

  @Option(names = "--event-loops", paramLabel = "N",
      description = "Event loop threads; 0 = twice the cores (default 0).")
  Integer eventLoops;

  @Option(names = "--gpu-source", paramLabel = "auto|amdsmi|sysfs|simulated|none",
      description = "Where GPU partition telemetry comes from (default auto).")
  String gpuSource;

  @Option(names = "--scheduler", paramLabel = "HOST:PORT",
      description = "The cluster scheduler to report to (default: none).")
  String scheduler;

  @Option(names = "--drain-timeout", paramLabel = "DURATION",
      description = "How long in-flight requests may take to finish on shutdown, e.g. 30s (default 30s).")
  String drainTimeout;

  /** The flags as config overrides, keyed like the YAML. */
  Map<String, Object> overrides() {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("http.port", httpPort);
    o.put("grpc.port", grpcPort);
    o.put("admin.port", adminPort);
    o.put("upstream.http", upstreamHttp);
    o.put("upstream.grpc", upstreamGrpc);
    o.put("upstream.protocol", upstreamProtocol);
    o.put("admission.maxInflight", maxInflight);
    o.put("eventLoops", eventLoops);
    o.put("gpuSource", gpuSource);
    o.put("scheduler", scheduler);
    o.put("drainTimeout", drainTimeout);
    return o;
  }

  /** Reads the configuration the flags describe. */
  ProxyConfig configuration() throws ConfigException {
    return ConfigLoader.load(config, overrides());
  }

  @Override
  public Integer call() throws Exception {
    ProxyConfig cfg;
    try {
      cfg = configuration();
    } catch (ConfigException e) {
      System.err.println("aim-proxy: " + e.getMessage());
      return 2;
    }
    PrometheusMeterRegistry registry = AimMetrics.newRegistry();
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Sidecar sidecar;
    try {
      sidecar = Sidecar.start(this::configuration, config, registry, null, System::nanoTime);
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("aim-proxy: " + e.getMessage());
      return 2;
    }
    // The hook goes in before anything slow (GPU discovery), so a SIGTERM right after the
    // listeners are up still drains instead of exiting at once.
    AtomicReference<GpuMetrics> gpuMetrics = new AtomicReference<>();
    AtomicReference<GpuTelemetry> openedTelemetry = new AtomicReference<>();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      sidecar.close();
      GpuMetrics g = gpuMetrics.getAndSet(null);
      if (g != null) {
        g.close();
      }
      GpuTelemetry t = openedTelemetry.getAndSet(null);
      if (t != null) {
        t.close();
      }
      stopped.countDown();
    }, "aim-shutdown"));
    if (!"none".equals(cfg.gpuSource())) {
      try {
        GpuTelemetry telemetry = GpuTelemetry.open(Source.parse(cfg.gpuSource()));
        openedTelemetry.set(telemetry);
        gpuMetrics.set(GpuMetrics.start(
            telemetry, registry, GpuMetrics.DEFAULT_INTERVAL, AllocationSource.none()));
      } catch (RuntimeException e) {
        // No GPU telemetry is no reason to refuse traffic: serve without the aim_gpu_* gauges.
        System.err.println("aim-proxy: GPU telemetry (" + cfg.gpuSource() + ") unavailable: " + e.getMessage());
      }
    }
    stopped.await();
    return 0;
  }

  /** Runs the command line and returns the exit code (tests call this). */
  static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setOut(out);
    cl.setErr(err);
    return cl.execute(args);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
