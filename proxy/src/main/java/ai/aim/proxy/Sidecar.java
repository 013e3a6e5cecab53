package ai.aim.proxy;

import ai.aim.proxy.admin.AdminResponse;
import ai.aim.proxy.admission.AdmissionConfig;
import ai.aim.proxy.admission.AdmissionConfigParser;
import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.admission.AdmissionSnapshot;
import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.admission.RejectReason;
import ai.aim.proxy.config.ConfigException;
import ai.aim.proxy.config.ProxyConfig;
import ai.aim.proxy.grpc.GrpcCoreAdmission;
import ai.aim.proxy.grpc.GrpcProxy;
import ai.aim.proxy.http.CoreAdmission;
import ai.aim.proxy.http.ModelLabels;
import ai.aim.proxy.metrics.AdmissionGauges;
import ai.aim.proxy.metrics.AimMetrics;
import ai.aim.proxy.metrics.ShedReason;
import ai.aim.proxy.propagation.PriorityPropagation;
import ai.aim.proxy.propagation.PropagationConfig;
import ai.aim.proxy.slo.SloConfig;
import ai.aim.proxy.slo.SloConfigException;
import ai.aim.proxy.slo.SloTracker;
import ai.aim.proxy.transport.Transport;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole sidecar wired together: the admission core ({@link AdmissionController}) behind both
 * edges (HTTP through {@link CoreAdmission}, gRPC through {@link GrpcCoreAdmission}) on shared
 * event loops, {@link AimMetrics} as the one request observer (it feeds the {@link SloTracker}
 * too), admission gauges read from the controller's published snapshot, the admin routes {@code
 * /slo}, {@code /config} and {@code /drain}, and the config-file watcher.
 *
 * <p>Threads it starts besides the event loops: the admission consumer, {@code aim-slo-tick} (the
 * SLO interval swapper, once a second) and {@code aim-config-watch} (polls the config file's
 * modification time every {@link #WATCH_INTERVAL}). Thread-safe; {@link #close()} is idempotent.
 */
public final class Sidecar implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Sidecar.class);

  /** How often the config file's modification time is polled. */
  public static final Duration WATCH_INTERVAL = Duration.ofSeconds(2);

  /** The environment variable naming the class of requests that name none (high|medium|low). */
  public static final String DEFAULT_PRIORITY_ENV = "AIM_DEFAULT_PRIORITY";

  /** Reads the configuration again (file plus the command line's overrides). */
  @FunctionalInterface
  public interface ConfigSource {
    ProxyConfig load() throws ConfigException;
  }

  private final ConfigSource source;
  private final Path watched;
  private final PrometheusMeterRegistry registry;
  private final AdmissionController controller;
  private final SloTracker tracker;
  private final AutoCloseable sloTicking;
  private final ProxyServer server;
  private final GrpcProxy grpc;
  private final ScheduledExecutorService watcher;
  private final Counter reloadOk;
  private final Counter reloadFailed;
  private final Priority envDefault;
  private final PriorityPropagation propagation;
  private volatile ProxyConfig config;
  private long lastModified;
  private boolean closed;

  private Sidecar(ProxyConfig cfg, ConfigSource source, Path watched,
      PrometheusMeterRegistry registry, Transport transport, LongSupplier clock)
      throws InterruptedException, IOException {
    this.config = cfg;
    this.source = source;
    this.watched = watched;
    this.registry = registry != null ? registry : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.envDefault = parseEnvDefault(System.getenv(DEFAULT_PRIORITY_ENV));
    SloConfig slo;
    try {
      slo = SloConfig.parse(cfg.slo());
    } catch (SloConfigException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    this.propagation = new PriorityPropagation(PropagationConfig.parse(cfg.models()));
    this.controller = AdmissionController.start(
        AdmissionConfigParser.parse(cfg.admission(), cfg.models()), clock);
    ModelLabels labels = new ModelLabels(cfg.modelNames());
    this.tracker = new SloTracker(slo, cfg.modelNames(), clock, System::currentTimeMillis);
    AimMetrics metrics = new AimMetrics(this.registry, cfg.modelNames(),
        new SnapshotGauges(controller), null, tracker);
    this.sloTicking = tracker.startTicking();
    this.reloadOk = Counter.builder("aim_config_reloads")
        .description("Reloads of the config file, by result").tag("result", "success")
        .register(this.registry);
    this.reloadFailed = Counter.builder("aim_config_reloads")
        .description("Reloads of the config file, by result").tag("result", "failure")
        .register(this.registry);
    Function<String, Priority> defaultPriority = this::defaultPriority;
    ProxyServer.Builder b = ProxyServer.builder(cfg)
        .registry(this.registry)
        .observer(metrics)
        .admission(new CoreAdmission(controller))
        .defaultPriority(defaultPriority)
        .propagation(propagation)
        .clock(clock);
    if (transport != null) {
      b.transport(transport);
    }
    ProxyServer started = null;
    GrpcProxy g = null;
    try {
      started = b.start();
      Transport t = started.transport();
      g = GrpcProxy.builder()
          .bindHost(cfg.grpc().bind())
          .port(cfg.grpc().port())
          .eventLoops(t.bossGroup(), t.workerGroup(), t.serverChannelClass(), t.socketChannelClass())
          .upstream(cfg.upstream().grpc())
          .observer(metrics)
          .admission(new GrpcCoreAdmission(controller, clock))
          .modelFolding(labels::fold)
          .defaultPriority(defaultPriority)
          .propagation(propagation)
          .nanoClock(clock)
          .build()
          .start();
    } catch (IOException | RuntimeException | InterruptedException e) {
      if (started != null) {
        started.close();
      }
      controller.close();
      closeQuietly(sloTicking);
      throw e;
    }
    this.server = started;
    this.grpc = g;
    server.adminRoutes().register("/slo", r -> new AdminResponse(200, "application/json", tracker.sloJson()));
    server.adminRoutes().register("/config", r -> AdminResponse.json(200, effectiveConfigJson()));
    server.adminRoutes().register("/drain", r -> {
      boolean done = drain(config.drainTimeout());
      return AdminResponse.json(200, "{\"status\":\"" + (done ? "drained" : "timeout") + "\"}");
    });
    this.lastModified = modified();
    this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread th = new Thread(r, "aim-config-watch");
      th.setDaemon(true);
      return th;
    });
    if (watched != null) {
      long ms = WATCH_INTERVAL.toMillis();
      watcher.scheduleWithFixedDelay(this::checkForChange, ms, ms, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Starts a sidecar.
   *
   * @param source reads the configuration (again on every change of {@code watched})
   * @param watched the config file to watch, or {@code null} for none
   * @param registry the registry behind {@code /metrics}, or {@code null} for a new one
   * @param transport shared event loops, or {@code null} to make (and own) them
   * @param clock the nano clock of the whole request path
   * @throws ConfigException when the configuration is invalid
   * @throws IllegalArgumentException when the admission or SLO section is invalid
   */
  public static Sidecar start(ConfigSource source, Path watched, PrometheusMeterRegistry registry,
      Transport transport, LongSupplier clock)
      throws ConfigException, InterruptedException, IOException {
    Objects.requireNonNull(source, "source");
    return new Sidecar(source.load(), source, watched, registry, transport, clock);
  }

  private Priority defaultPriority(String model) {
    AdmissionConfig ac = controller.config();
    if (envDefault != null && !ac.models().containsKey(model)) {
      return envDefault;
    }
    return ac.defaultPriority(model);
  }

  static Priority parseEnvDefault(String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    Priority p = Priority.parseOrNull(value.trim());
    if (p == null) {
      throw new IllegalArgumentException(
          DEFAULT_PRIORITY_ENV + ": '" + value + "' (expected: high, medium or low)");
    }
    return p;
  }

  // ------------------------------------------------------------------ reload

  private long modified() {
    if (watched == null) {
      return 0;
    }
    try {
      return Files.getLastModifiedTime(watched).toMillis();
    } catch (IOException e) {
      return -1;
    }
  }

  private void checkForChange() {
    long m = modified();
    if (m == lastModified) {
      return;
    }
    lastModified = m;
    reload();
  }

  /**
   * Reads the configuration again and applies what can change at run time: the admission policy
   * (limits, queues, per-model settings) through {@link AdmissionController#reload}, and priority
   * propagation. A file that
   * does not parse or validate changes nothing. Listener ports, the upstream and SLO objectives
   * need a restart (a changed {@code slo} section is logged). Runs on the watcher thread.
   *
   * @return whether the new configuration was applied
   */
  public boolean reload() {
    ProxyConfig next;
    AdmissionConfig admission;
    SloConfig slo;
    PropagationConfig nextPropagation;
    try {
      next = source.load();
      admission = AdmissionConfigParser.parse(next.admission(), next.models());
      nextPropagation = PropagationConfig.parse(next.models());
      slo = SloConfig.parse(next.slo());
    } catch (ConfigException | SloConfigException | RuntimeException e) {
      reloadFailed.increment();
      log.warn("config reload refused, keeping the running configuration: {}", e.getMessage());
      return false;
    }
    controller.reload(admission);
    propagation.update(nextPropagation);
    if (!slo.equals(tracker.config())) {
      log.warn("config reload: the slo section changed; SLO objectives apply after a restart");
    }
    config = next;
    reloadOk.increment();
    log.info("config reloaded from {}", watched);
    return true;
  }

  // ------------------------------------------------------------------ drain

  /**
   * Readiness false, new arrivals refused with 503 / UNAVAILABLE, and waits until no request is in
   * flight or queued (both edges) or {@code timeout} passes. Blocks the calling thread.
   *
   * @return true when everything finished in time
   */
  public boolean drain(Duration timeout) throws InterruptedException {
    server.readiness().markDraining();
    controller.drain();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (busy() == 0 && server.http().inflight() == 0) {
        return true;
      }
      Thread.sleep(20);
    }
    return busy() == 0 && server.http().inflight() == 0;
  }

  private long busy() throws InterruptedException {
    try {
      AdmissionSnapshot s = controller.refreshSnapshot().get(1, TimeUnit.SECONDS);
      long n = 0;
      for (AdmissionSnapshot.Model m : s.models().values()) {
        n += m.inflight();
        for (AdmissionSnapshot.Class c : m.classes()) {
          n += c.queueDepth();
        }
      }
      return n;
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      return Long.MAX_VALUE;
    }
  }

  // ------------------------------------------------------------------ accessors

  /** The effective configuration as JSON: listeners, upstream, admission, models, slo; no secrets. */
  String effectiveConfigJson() {
    ProxyConfig c = config;
    ObjectMapper json = new ObjectMapper();
    ObjectNode root = json.createObjectNode();
    root.putObject("http").put("bind", c.http().bind()).put("port", server.httpPort());
    root.putObject("grpc").put("bind", c.grpc().bind()).put("port", grpc.port());
    root.putObject("admin").put("bind", c.admin().bind()).put("port", server.adminPort());
    root.putObject("upstream")
        .put("http", c.upstream().http().toString())
        .put("grpc", c.upstream().grpc())
        .put("protocol", String.valueOf(c.upstream().protocol()));
    root.put("eventLoops", c.eventLoops());
    root.put("drainTimeout", c.drainTimeout().toString());
    root.put("gpuSource", c.gpuSource());
    root.put("scheduler", c.scheduler());
    if (c.admission() != null) {
      root.set("admission", c.admission());
    }
    if (c.models() != null) {
      root.set("models", c.models());
    }
    if (c.slo() != null) {
      root.set("slo", c.slo());
    }
    return root.toString();
  }

  /** The admission core (tests read its snapshot). */
  public AdmissionController controller() {
    return controller;
  }

  /** The SLO tracker. */
  public SloTracker slo() {
    return tracker;
  }

  /** The HTTP side (ports, readiness, admin routes). */
  public ProxyServer server() {
    return server;
  }

  /** The bound gRPC port. */
  public int grpcPort() {
    return grpc.port();
  }

  /** The registry behind {@code /metrics}. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The configuration last applied. */
  public ProxyConfig config() {
    return config;
  }

  /** Drains and stops everything, the admission core last. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    watcher.shutdownNow();
    server.readiness().markDraining();
    controller.drain();
    // gRPC first: it runs on the HTTP side's event loops, which server.close() shuts down.
    try {
      grpc.shutdown(config.drainTimeout());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.close();
    controller.close();
    closeQuietly(sloTicking);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      log.debug("close failed", e);
    }
  }

  /** Admission gauges over the controller's published snapshot, summed over models. */
  private static final class SnapshotGauges implements AdmissionGauges {
    private final AdmissionController controller;

    SnapshotGauges(AdmissionController controller) {
      this.controller = controller;
    }

    @Override
    public long queueDepth(Priority priority) {
      long n = 0;
      for (AdmissionSnapshot.Model m : controller.snapshot().models().values()) {
        n += m.of(priority).queueDepth();
      }
      return n;
    }

    @Override
    public long inFlight() {
      long n = 0;
      for (AdmissionSnapshot.Model m : controller.snapshot().models().values()) {
        n += m.inflight();
      }
      return n;
    }

    @Override
    public long limit() {
      long n = 0;
      for (AdmissionSnapshot.Model m : controller.snapshot().models().values()) {
        n += m.limit();
      }
      return n;
    }

    @Override
    public long admitted(Priority priority) {
      long n = 0;
      for (AdmissionSnapshot.Model m : controller.snapshot().models().values()) {
        n += m.of(priority).admitted();
      }
      return n;
    }

    @Override
    public long shed(Priority priority, ShedReason reason) {
      long n = 0;
      for (AdmissionSnapshot.Model m : controller.snapshot().models().values()) {
        var byReason = m.of(priority).shedByReason();
        for (RejectReason r : RejectReason.values()) {
          if (map(r) == reason) {
            n += byReason.getOrDefault(r, 0L);
          }
        }
      }
      return n;
    }

    private static ShedReason map(RejectReason r) {
      switch (r) {
        case QUEUE_FULL:
        case SATURATED:
          return ShedReason.QUEUE_FULL;
        case QUEUE_TIMEOUT:
          return ShedReason.QUEUE_TIMEOUT;
        case DEADLINE_UNMEETABLE:
        case DEADLINE_EXPIRED:
          return ShedReason.DEADLINE;
        default:
          return ShedReason.DRAINING;
      }
    }
  }
}
