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
import ai.aim.proxy.engine.EngineMeters;
import ai.aim.proxy.engine.EngineScraper;
import ai.aim.proxy.engine.ScrapeConfig;
import ai.aim.proxy.engine.ScrapeStats;
import ai.aim.proxy.grpc.GrpcCoreAdmission;
import ai.aim.proxy.grpc.GrpcProxy;
import ai.aim.proxy.http.CoreAdmission;
import ai.aim.proxy.http.ModelLabels;
import ai.aim.proxy.link.SidecarLink;
import ai.aim.proxy.metrics.AdmissionGauges;
import ai.aim.proxy.metrics.AimMetrics;
import ai.aim.proxy.metrics.ShedReason;
import ai.aim.proxy.propagation.PriorityPropagation;
import ai.aim.proxy.propagation.PropagationConfig;
import ai.aim.proxy.slo.SloConfig;
import ai.aim.proxy.slo.SloConfigException;
import ai.aim.proxy.slo.SloTracker;
import ai.aim.proxy.tls.ReloadingCredentials;
import ai.aim.proxy.tls.ServerTls;
import ai.aim.proxy.transport.Transport;
import ai.aim.rocm.TelemetrySnapshot;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
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
 * SLO interval swapper, once a second), {@code aim-config-watch} (polls the config file's
 * modification time, and the TLS files when {@code tls} is set, every {@link #WATCH_INTERVAL}), {@code aim-engine-scraper} when engine
 * signals are enabled (reads the model server's gauges into the admission ring) and {@code
 * aim-scheduler-link} when {@code scheduler} is configured (load reports out, directives in). Thread-safe; {@link #close()} is idempotent.
 */
public final class Sidecar implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Sidecar.class);

  /** How often the config file's modification time is polled. */
  public static final Duration WATCH_INTERVAL = Duration.ofSeconds(2);

  /** How often a load report goes to the scheduler. */
  public static final Duration REPORT_INTERVAL = Duration.ofSeconds(1);

  /** Reconnect backoff towards the scheduler: first wait (jittered), doubling up to the maximum. */
  public static final Duration LINK_INITIAL_BACKOFF = Duration.ofMillis(200);

  /** The longest wait between two attempts to reach the scheduler. */
  public static final Duration LINK_MAX_BACKOFF = Duration.ofSeconds(15);

  /** The environment variable naming the class of requests that name none (high|medium|low). */
  public static final String DEFAULT_PRIORITY_ENV = "AIM_DEFAULT_PRIORITY";

  /** Environment variable naming the pod's model (set by the injection webhook). */
  public static final String MODEL_ENV = "AIM_MODEL";

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
  private final LongSupplier clock;
  private final ScrapeStats scrapeStats = new ScrapeStats();
  private EngineScraper scraper;
  private final SidecarLink link;
  private volatile Supplier<Optional<TelemetrySnapshot>> gpuTelemetry = Optional::empty;
  private final PriorityPropagation propagation;
  private volatile ProxyConfig config;
  private long lastModified;
  private boolean closed;
  /** Counts drains, so that a temporary drain's resume does not end a later one. */
  private long drainGeneration;

  private Sidecar(ProxyConfig cfg, ConfigSource source, Path watched,
      PrometheusMeterRegistry registry, Transport transport, LongSupplier clock,
      SslContext httpTls, SslContext grpcTls, ReloadingCredentials credentials)
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
    this.clock = clock;
    AdmissionConfig admissionConfig = AdmissionConfigParser.parse(cfg.admission(), cfg.models());
    ScrapeConfig scrape = ScrapeConfig.of(cfg.admission(), admissionConfig, cfg.upstream().http());
    this.controller = AdmissionController.start(admissionConfig, clock);
    PropagationConfig propagationConfig = PropagationConfig.parse(cfg.models());
    overcommitWithoutPropagation(admissionConfig, propagationConfig, cfg.modelNames())
        .forEach(log::warn);
    this.propagation = new PriorityPropagation(propagationConfig);
    ModelLabels labels = new ModelLabels(cfg.modelNames());
    this.tracker = new SloTracker(slo, cfg.modelNames(), clock, System::currentTimeMillis);
    AimMetrics metrics = new AimMetrics(this.registry, cfg.modelNames(),
        new SnapshotGauges(controller), null, tracker);
    EngineMeters.register(this.registry, cfg.modelNames(), controller, scrapeStats);
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
        .clock(clock)
        .tls(httpTls);
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
          .sslContext(grpcTls)
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
    // Admission learns the model server's readiness; with admission.upstreamHoldMs it holds
    // dispatch while the model server starts, and the sidecar reports ready meanwhile.
    server.readiness().readyWhileUpstreamStarts(admissionConfig.upstreamHoldMillis() > 0);
    server.readiness().onUpstreamChange(controller::upstreamReady);
    server.adminRoutes().register("/slo", r -> new AdminResponse(200, "application/json", tracker.sloJson()));
    server.adminRoutes().register("/config", r -> AdminResponse.json(200, effectiveConfigJson()));
    server.adminRoutes().register("/drain", r -> {
      boolean done = drain(config.drainTimeout());
      return AdminResponse.json(200, "{\"status\":\"" + (done ? "drained" : "timeout") + "\"}");
    });
    restartScraper(scrape, cfg);
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
    if (credentials != null) {
      // Rotated certificates (cert-manager rewrites the mounted secret) reach new connections.
      FunctionCounter.builder("aim_tls_reloads", credentials, ReloadingCredentials::reloads)
          .description("Changes of the listeners' certificate files, by result")
          .tag("result", "success")
          .register(this.registry);
      FunctionCounter.builder("aim_tls_reloads", credentials, ReloadingCredentials::failures)
          .description("Changes of the listeners' certificate files, by result")
          .tag("result", "failure")
          .register(this.registry);
      long ms = WATCH_INTERVAL.toMillis();
      watcher.scheduleWithFixedDelay(() -> {
        try {
          credentials.reloadIfChanged();
        } catch (RuntimeException e) {
          log.warn("TLS certificate check failed", e);
        }
      }, ms, ms, TimeUnit.MILLISECONDS);
    }
    // Last: its directives may arrive at once and use everything above.
    this.link = cfg.scheduler() == null ? null : startLink(cfg);
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
    ProxyConfig cfg = withImpliedDefaultModel(source.load(), System.getenv());
    // Read the certificate files before anything starts, so a wrong one is a clean refusal.
    ReloadingCredentials credentials = cfg.tls() == null ? null : new ReloadingCredentials(cfg.tls());
    SslContext httpTls = credentials == null ? null : ServerTls.http(credentials);
    SslContext grpcTls = credentials == null ? null : ServerTls.grpc(credentials);
    return new Sidecar(cfg, source, watched, registry, transport, clock, httpTls, grpcTls,
        credentials);
  }

  private Priority defaultPriority(String model) {
    AdmissionConfig ac = controller.config();
    if (envDefault != null && !ac.models().containsKey(model)) {
      return envDefault;
    }
    return ac.defaultPriority(model);
  }

  /**
   * Warnings for models whose {@code highOvercommit} is set while priority propagation is off:
   * HIGH requests beyond the limit then reach a model server that cannot tell them from the lower
   * requests it already holds, so they wait behind those inside it.
   */
  static List<String> overcommitWithoutPropagation(
      AdmissionConfig admission, PropagationConfig propagation, java.util.Collection<String> models) {
    List<String> warnings = new java.util.ArrayList<>();
    for (String m : new java.util.TreeSet<>(models)) {
      int overcommit = admission.policyFor(m).highOvercommit();
      if (overcommit > 0 && !propagation.policyFor(m).enabled()) {
        warnings.add("model " + m + ": highOvercommit is " + overcommit + " but priority "
            + "propagation is off (models." + m + ".propagation.enabled): the model server cannot "
            + "run HIGH requests beyond the limit ahead of the lower ones it holds");
      }
    }
    return warnings;
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
    ScrapeConfig scrape;
    PropagationConfig nextPropagation;
    try {
      next = withImpliedDefaultModel(source.load(), System.getenv());
      admission = AdmissionConfigParser.parse(next.admission(), next.models());
      scrape = ScrapeConfig.of(next.admission(), admission, next.upstream().http());
      nextPropagation = PropagationConfig.parse(next.models());
      slo = SloConfig.parse(next.slo());
    } catch (ConfigException | SloConfigException | RuntimeException e) {
      reloadFailed.increment();
      log.warn("config reload refused, keeping the running configuration: {}", e.getMessage());
      return false;
    }
    overcommitWithoutPropagation(admission, nextPropagation, next.modelNames()).forEach(log::warn);
    controller.reload(admission);
    server.readiness().readyWhileUpstreamStarts(admission.upstreamHoldMillis() > 0);
    restartScraper(scrape, next);
    propagation.update(nextPropagation);
    if (!slo.equals(tracker.config())) {
      log.warn("config reload: the slo section changed; SLO objectives apply after a restart");
    }
    config = next;
    reloadOk.increment();
    log.info("config reloaded from {}", watched);
    return true;
  }

  /** Starts, stops or replaces the engine-gauge scraper when its settings or the models change. */
  private synchronized void restartScraper(ScrapeConfig scrape, ProxyConfig cfg) {
    if (closed) {
      return;
    }
    List<String> models = List.copyOf(cfg.modelNames());
    if (scraper != null && Objects.equals(scraper.config(), scrape)
        && scraper.models().equals(models)) {
      return;
    }
    if (scraper != null) {
      scraper.close();
      scraper = null;
    }
    if (scrape != null) {
      if (models.isEmpty()) {
        log.warn("admission.engine is enabled but no models are configured: nothing to scrape for");
        return;
      }
      scraper = EngineScraper.start(scrape, models, controller, clock, scrapeStats);
      log.info("engine gauges scraped from {} every {} ms for {}", scrape.metricsUrl(),
          scrape.scrapeIntervalMillis(), models);
    }
  }

  // ------------------------------------------------------------------ scheduler link

  /**
   * The configuration with {@code http.defaultModel} (the model of requests that name none) filled
   * in when the file leaves it out: the pod's model from {@value #MODEL_ENV}, else the only model
   * under {@code models}, else none. A sidecar in front of one model server so counts OpenAI-style
   * requests, whose model is in the body, against that model's admission policy, propagation and
   * SLO instead of the defaults under {@code unknown}.
   */
  static ProxyConfig withImpliedDefaultModel(ProxyConfig cfg, Map<String, String> env) {
    if (cfg.http().defaultModel() != null) {
      return cfg;
    }
    String model = null;
    String own = env.get(MODEL_ENV);
    if (own != null && !own.isBlank()) {
      model = own.strip();
    } else if (cfg.modelNames().size() == 1) {
      model = cfg.modelNames().iterator().next();
    }
    return model == null ? cfg : cfg.withHttp(cfg.http().withDefaultModel(model));
  }

  /**
   * The models the scheduler hears about: the configured ones, plus the pod's own model from
   * {@value #MODEL_ENV} (the injection webhook sets it from the InferenceService), so an injected
   * sidecar without a model section still reports its model.
   */
  static Set<String> reportedModels(Set<String> configured, Map<String, String> env) {
    Set<String> models = new java.util.TreeSet<>(configured);
    String own = env.get(MODEL_ENV);
    if (own != null && !own.isBlank()) {
      models.add(own.strip());
    }
    return models;
  }

  private SidecarLink startLink(ProxyConfig cfg) {
    SidecarLink.Parts parts = new SidecarLink.Parts(controller, tracker,
        reportedModels(cfg.modelNames(), System.getenv()),
        () -> gpuTelemetry.get().orElse(null), this::drainInBackground, clock);
    SidecarLink l = SidecarLink.start(cfg.scheduler(), cfg.schedulerTls(), parts, REPORT_INTERVAL,
        LINK_INITIAL_BACKOFF, LINK_MAX_BACKOFF);
    Gauge.builder("aim.link.connected", l, x -> x.connected() ? 1 : 0)
        .description("1 while a session with the cluster scheduler is established")
        .strongReference(true)
        .register(registry);
    FunctionCounter.builder("aim.link.reports", l, SidecarLink::reportsSent)
        .description("Load reports sent to the cluster scheduler")
        .register(registry);
    FunctionCounter.builder("aim.link.reconnects", l, SidecarLink::reconnects)
        .description("Sessions with the cluster scheduler re-opened after a lost one")
        .register(registry);
    return l;
  }

  /**
   * Where the GPU partition telemetry of load reports comes from (set once the GPU source runs;
   * none before).
   */
  public void gpuTelemetry(Supplier<Optional<TelemetrySnapshot>> source) {
    this.gpuTelemetry = Objects.requireNonNull(source, "source");
  }

  /** The link to the cluster scheduler, or null when {@code scheduler} is not configured. */
  public SidecarLink schedulerLink() {
    return link;
  }

  /**
   * A drain asked for by the scheduler: the {@code /drain} path, waiting on its own thread. With
   * a positive {@code resumeAfter} the sidecar admits again that long after the drain began
   * (unless another drain or the shutdown came meanwhile); zero means until the pod ends.
   */
  private void drainInBackground(Duration resumeAfter) {
    long generation = startDrain();
    if (!resumeAfter.isZero()) {
      try {
        watcher.schedule(() -> resume(generation), resumeAfter.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        return; // closing: there is nothing to resume
      }
    }
    Thread t = new Thread(() -> {
      try {
        boolean done = awaitIdle(config.drainTimeout());
        log.info("drain asked for by the scheduler {}", done ? "finished" : "timed out");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "aim-drain");
    t.setDaemon(true);
    t.start();
  }

  /** The running engine-gauge scraper's settings, or null when none runs. */
  public synchronized ScrapeConfig engineScrape() {
    return scraper == null ? null : scraper.config();
  }

  // ------------------------------------------------------------------ drain

  /**
   * Readiness false, new arrivals refused with 503 / UNAVAILABLE, and waits until no request is in
   * flight or queued (both edges) or {@code timeout} passes. Blocks the calling thread.
   *
   * @return true when everything finished in time
   */
  public boolean drain(Duration timeout) throws InterruptedException {
    startDrain();
    return awaitIdle(timeout);
  }

  /** Marks the drain; each call starts a new one, which a pending temporary resume must not end. */
  private synchronized long startDrain() {
    server.readiness().markDraining();
    controller.drain();
    return ++drainGeneration;
  }

  /** Ends the temporary drain {@code generation} unless another drain or the close came since. */
  private synchronized void resume(long generation) {
    if (closed || generation != drainGeneration) {
      return;
    }
    controller.resume();
    server.readiness().resume();
    log.info("temporary drain over: admitting again");
  }

  private boolean awaitIdle(Duration timeout) throws InterruptedException {
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
    if (c.tls() != null) {
      ObjectNode t = root.putObject("tls")
          .put("certChain", c.tls().certChain().toString())
          .put("privateKey", c.tls().privateKey().toString());
      if (c.tls().mutual()) {
        t.put("clientCa", c.tls().clientCa().toString());
      }
    }
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
    drainGeneration++;
    watcher.shutdownNow();
    if (scraper != null) {
      scraper.close();
    }
    if (link != null) {
      link.close();
    }
    server.readiness().markDraining();
    controller.drain();
    // gRPC first: it runs on the HTTP side's event loops, which server.close() shuts down. One
    // drain timeout covers both ports, so the process exits within it.
    long start = System.nanoTime();
    Duration timeout = config.drainTimeout();
    try {
      grpc.shutdown(timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Duration left = timeout.minusNanos(System.nanoTime() - start);
    server.close(left.isNegative() ? Duration.ZERO : left);
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

    /** A figure summed over every model of the current snapshot. */
    private long sum(java.util.function.ToLongFunction<AdmissionSnapshot.Model> f) {
      long n = 0;
      for (AdmissionSnapshot.Model m : controller.snapshot().models().values()) {
        n += f.applyAsLong(m);
      }
      return n;
    }

    @Override
    public long queueDepth(Priority priority) {
      return sum(m -> m.of(priority).queueDepth());
    }

    @Override
    public long inFlight() {
      return sum(AdmissionSnapshot.Model::inflight);
    }

    @Override
    public long limit() {
      return sum(AdmissionSnapshot.Model::limit);
    }

    @Override
    public long highOvercommitted() {
      return sum(AdmissionSnapshot.Model::highOvercommitted);
    }

    @Override
    public long admitted(Priority priority) {
      return sum(m -> m.of(priority).admitted());
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
        case OUTRANKED:
          return ShedReason.PRIORITY;
        case DEADLINE_UNMEETABLE:
        case DEADLINE_EXPIRED:
          return ShedReason.DEADLINE;
        case ENGINE_SATURATED:
          return ShedReason.ENGINE_SATURATED;
        case UPSTREAM_NOT_READY:
          return ShedReason.UPSTREAM_NOT_READY;
        default:
          return ShedReason.DRAINING;
      }
    }
  }
}
