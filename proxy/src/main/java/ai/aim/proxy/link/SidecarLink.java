package ai.aim.proxy.link;

import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.admission.AdmissionSnapshot;
import ai.aim.proxy.slo.SloSnapshot;
import ai.aim.proxy.slo.SloTracker;
import ai.aim.rocm.TelemetrySnapshot;
import ai.aim.scheduler.client.DirectiveListener;
import ai.aim.scheduler.client.SchedulerLink;
import ai.aim.scheduler.client.TlsConfig;
import ai.aim.scheduler.client.SidecarIdentity;
import ai.aim.scheduler.client.v1.Drain;
import ai.aim.scheduler.client.v1.LimitOverride;
import ai.aim.scheduler.client.v1.LoadReport;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's side of the link to the cluster scheduler: a {@link SchedulerLink} (its own
 * thread, {@code aim-scheduler-link}, reconnecting with jittered backoff) whose load reports are
 * built from the admission and SLO snapshots and the GPU telemetry, and whose directives are
 * applied here: a {@code LimitOverride} becomes {@link AdmissionController#overrideLimit} (a ring
 * event into the admission core), a {@code Drain} runs the same drain as {@code POST /drain}.
 * While the scheduler is away nothing changes for requests: the sidecar keeps serving, an override
 * in force lapses at its own expiry.
 *
 * <p>Report building and directive handling run on the link thread and never block the request
 * path. {@link #close()} is idempotent.
 */
public final class SidecarLink implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SidecarLink.class);

  /** How long to wait for a fresh admission snapshot before reporting the published one. */
  private static final long SNAPSHOT_WAIT_MILLIS = 200;

  /** A {@code LimitOverride} with no TTL holds until cleared (about a century). */
  static final long NO_TTL_NANOS = TimeUnit.DAYS.toNanos(36_500);

  private final SchedulerLink link;

  private SidecarLink(SchedulerLink link) {
    this.link = link;
  }

  /**
   * What the link needs from the rest of the sidecar.
   *
   * @param drain starts a drain like {@code POST /drain} without waiting for it; the argument is
   *     how long until the sidecar may admit again ({@link Duration#ZERO}: until the pod ends)
   */
  public record Parts(
      AdmissionController controller,
      SloTracker slo,
      Set<String> models,
      Supplier<TelemetrySnapshot> gpu,
      Consumer<Duration> drain,
      LongSupplier nanoClock) {

    public Parts {
      Objects.requireNonNull(controller, "controller");
      Objects.requireNonNull(models, "models");
      Objects.requireNonNull(gpu, "gpu");
      Objects.requireNonNull(drain, "drain");
      Objects.requireNonNull(nanoClock, "nanoClock");
      models = Set.copyOf(models);
    }
  }

  /**
   * Connects to {@code address} (host:port) and starts reporting every {@code reportInterval};
   * returns at once (the first connection is made in the background).
   */
  public static SidecarLink start(String address, Parts parts, Duration reportInterval,
      Duration initialBackoff, Duration maxBackoff) {
    return start(address, null, parts, reportInterval, initialBackoff, maxBackoff);
  }

  /**
   * As {@link #start(String, Parts, Duration, Duration, Duration)}, over TLS when {@code tls} is
   * not null (with a client certificate for mutual TLS when it names one).
   */
  public static SidecarLink start(String address, TlsConfig tls, Parts parts, Duration reportInterval,
      Duration initialBackoff, Duration maxBackoff) {
    List<String> models = List.copyOf(new java.util.TreeSet<>(parts.models()));
    SchedulerLink.Builder b = SchedulerLink.builder(address, identity(models, System.getenv()))
        .reports(() -> report(parts, models))
        .listener(new Directives(parts))
        .reportInterval(reportInterval)
        .backoff(initialBackoff, maxBackoff)
        .nanoClock(parts.nanoClock());
    if (tls != null) {
      b.tls(tls);
    }
    SchedulerLink link = b.build().start();
    log.info("reporting to the scheduler at {} ({}) every {} for {}", address,
        tls == null ? "plaintext" : tls.certChain() == null ? "TLS" : "mutual TLS", reportInterval, models);
    return new SidecarLink(link);
  }

  /**
   * Who this sidecar is: the pod and namespace from the downward API variables {@code POD_NAME} /
   * {@code POD_NAMESPACE} (else {@code HOSTNAME} / {@code default}), the node from {@code
   * NODE_NAME}.
   */
  static SidecarIdentity identity(List<String> models, Map<String, String> env) {
    String pod = firstNonBlank(env.get("POD_NAME"), env.get("HOSTNAME"), localHostName());
    String ns = firstNonBlank(env.get("POD_NAMESPACE"), "default");
    String version = SidecarLink.class.getPackage().getImplementationVersion();
    return new SidecarIdentity(pod, ns, models, env.getOrDefault("NODE_NAME", ""),
        version == null ? "dev" : version);
  }

  private static String localHostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (Exception e) {
      return "aim-sidecar";
    }
  }

  private static String firstNonBlank(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return "unknown";
  }

  private static LoadReport report(Parts parts, List<String> models) {
    AdmissionSnapshot admission;
    try {
      admission = parts.controller().refreshSnapshot().get(SNAPSHOT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    } catch (Exception e) {
      admission = parts.controller().snapshot();
    }
    SloSnapshot slo = parts.slo() == null ? null : parts.slo().snapshot();
    return LoadReports.build(models, admission, slo, parts.gpu().get(), System.currentTimeMillis());
  }

  /** Whether a session with the scheduler is established now. */
  public boolean connected() {
    return link.connected();
  }

  /** Load reports sent since start. */
  public long reportsSent() {
    return link.reportsSent();
  }

  /** Sessions re-opened after a lost one. */
  public long reconnects() {
    return link.reconnects();
  }

  @Override
  public void close() {
    link.close();
  }

  /** Applies directives; runs on the link thread. */
  static final class Directives implements DirectiveListener {
    private final Parts parts;

    Directives(Parts parts) {
      this.parts = parts;
    }

    @Override
    public boolean onLimitOverride(LimitOverride o, long expiresAtNanos) {
      String model = o.getModel();
      if (!model.isEmpty() && !parts.models().contains(model)) {
        log.warn("scheduler: limit override for unknown model '{}' ignored", model);
        return false;
      }
      long until = o.getTtlMillis() == 0 ? parts.nanoClock().getAsLong() + NO_TTL_NANOS : expiresAtNanos;
      parts.controller().overrideLimit(model, o.getLimit(), until);
      log.info("scheduler: limit of {} {} ({} ms; {})", model.isEmpty() ? "every model" : model,
          o.getLimit() == 0 ? "back to its own" : "set to " + o.getLimit(), o.getTtlMillis(),
          o.getReason());
      return true;
    }

    @Override
    public boolean onDrain(Drain d) {
      log.info("scheduler: drain requested ({}; {})", d.getReason(),
          d.getDurationMillis() == 0 ? "until the pod ends" : "for " + d.getDurationMillis() + " ms");
      parts.drain().accept(Duration.ofMillis(d.getDurationMillis()));
      return true;
    }

    @Override
    public void onConnectionChange(boolean connected) {
      log.info("scheduler session {}", connected ? "established" : "lost; serving on");
    }
  }
}
