package ai.aim.bench.load;

import ai.aim.proxy.admission.Priority;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Sends a precomputed {@link PlannedRequest} plan open-loop to one target and accounts for every
 * answer. One sender thread waits for each request's intended time and hands it to the JDK
 * HttpClient asynchronously, so a slow or queueing target never delays later sends (no
 * coordinated omission in the schedule); latencies are measured from the intended time as well.
 *
 * <p>Why the JDK HttpClient: over HTTP/1.1 it keeps one connection per request in flight (an idle
 * keep-alive connection is reused, a new one opened otherwise), all driven by one selector thread
 * with non-blocking I/O, so thousands of requests in flight cost sockets, not threads; answers are
 * completed on a two-thread executor. That is enough for the few hundred to few thousand requests
 * per second these scenarios offer on two cores, with no pool to size by hand.
 *
 * <p>Threads: the caller's thread sends, a collector thread drains the recorders once a second and
 * calls the optional tick listener, the client's executor records answers, and an optional
 * {@link ProbeRun} thread sends its own requests over its own socket. Not reusable.
 */
public final class LoadRun {

  /**
   * Where and how to send.
   *
   * @param target base URL of the target (sidecar, nginx, HAProxy or model-sim)
   * @param model model name, in the body and in {@code x-aim-model}
   * @param requestTimeout a request without an answer after this long counts as an error
   * @param label name of the target in reports
   * @param sendTenantHeader whether {@code x-aim-tenant} is sent; without it tenants are still
   *     accounted for apart on the client, but the target sees one tenant
   */
  public record Options(URI target, String model, Duration requestTimeout, String label, boolean sendTenantHeader) {
    /** Validates. */
    public Options {
      Objects.requireNonNull(target, "target");
      Objects.requireNonNull(model, "model");
      Objects.requireNonNull(requestTimeout, "requestTimeout");
      Objects.requireNonNull(label, "label");
    }

    /** Sends the tenant header. */
    public Options(URI target, String model, Duration requestTimeout, String label) {
      this(target, model, requestTimeout, label, true);
    }
  }

  /** What the collector reports once a second while a run is going. */
  public record Tick(int second, Map<Priority, ClassStats> stats, int inFlight) {}

  private final Options options;
  private final List<PlannedRequest> plan;
  private final Map<Priority, ClassStats> byPriority = new EnumMap<>(Priority.class);
  private final Map<String, ClassStats> byTenant = new LinkedHashMap<>();
  private final Timeline timeline;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ProbeRun probe;

  public LoadRun(Options options, List<PlannedRequest> plan) {
    this(options, plan, null);
  }

  /**
   * A run with a socket probe beside the plan ({@code probe} may be {@code null}): the probe's
   * intended times count from the same start, and its figures go to {@link LoadResult#probe()},
   * never into the per-class ones.
   */
  public LoadRun(Options options, List<PlannedRequest> plan, ProbePlan probe) {
    this.options = Objects.requireNonNull(options, "options");
    this.probe = probe == null ? null : new ProbeRun(options, probe);
    this.plan = List.copyOf(plan);
    for (Priority p : Priority.values()) {
      byPriority.put(p, new ClassStats());
    }
    for (PlannedRequest r : this.plan) {
      if (r.tenant() != null) {
        byTenant.computeIfAbsent(r.tenant(), t -> new ClassStats());
      }
    }
    long last = this.plan.isEmpty() ? 0 : this.plan.get(this.plan.size() - 1).offsetNanos();
    this.timeline = new Timeline((int) (last / 1_000_000_000L) + 2
        + (int) options.requestTimeout().toSeconds());
  }

  /** Runs the plan to the end (every request answered or timed out) and returns the result. */
  public LoadResult run(Consumer<Tick> onTick) throws InterruptedException {
    ExecutorService completions = Executors.newFixedThreadPool(2, daemon("aim-load-client"));
    ScheduledExecutorService collector = Executors.newSingleThreadScheduledExecutor(daemon("aim-load-collector"));
    HttpClient client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .executor(completions)
        .build();
    List<CompletableFuture<?>> pending = new ArrayList<>(plan.size());
    long start = System.nanoTime();
    if (probe != null) {
      probe.start(start);
    }
    LoadResult.Probe probeResult = null;
    AtomicInteger second = new AtomicInteger();
    collector.scheduleAtFixedRate(() -> {
      drainAll();
      if (onTick != null) {
        onTick.accept(new Tick(second.incrementAndGet(), byPriority, inFlight.get()));
      }
    }, 1, 1, TimeUnit.SECONDS);
    try {
      for (PlannedRequest r : plan) {
        long intended = start + r.offsetNanos();
        long wait;
        while ((wait = intended - System.nanoTime()) > 0) {
          LockSupport.parkNanos(wait);
        }
        pending.add(send(client, r, intended, start));
      }
      CompletableFuture<Void> all = CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0]));
      try {
        all.get(options.requestTimeout().toMillis() + 5_000, TimeUnit.MILLISECONDS);
      } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
        // Every future completes on its own (request timeout); this only bounds a broken client.
      }
    } finally {
      long wall = System.nanoTime() - start;
      if (probe != null) {
        probeResult = probe.finish();
      }
      collector.shutdownNow();
      collector.awaitTermination(5, TimeUnit.SECONDS);
      completions.shutdown();
      completions.awaitTermination(5, TimeUnit.SECONDS);
      drainAll();
      lastWallNanos = wall;
    }
    long planned = plan.isEmpty() ? 1 : plan.get(plan.size() - 1).offsetNanos();
    return LoadResult.of(options.label(), byPriority, byTenant, timeline, planned, lastWallNanos, probeResult);
  }

  private long lastWallNanos;

  private synchronized void drainAll() {
    byPriority.values().forEach(ClassStats::drain);
    byTenant.values().forEach(ClassStats::drain);
  }

  private CompletableFuture<?> send(HttpClient client, PlannedRequest r, long intended, long start) {
    ClassStats ps = byPriority.get(r.priority());
    ClassStats ts = r.tenant() == null ? null : byTenant.get(r.tenant());
    ps.sent.increment();
    if (ts != null) {
      ts.sent.increment();
    }
    timeline.offered(r.priority(), intended - start);
    HttpRequest.Builder b = HttpRequest.newBuilder(options.target().resolve(RequestShape.PATH))
        .timeout(options.requestTimeout())
        .POST(HttpRequest.BodyPublishers.ofString(RequestShape.body(options.model(), r)));
    RequestShape.headers(options, r).forEach(h -> b.header(h.getKey(), h.getValue()));
    inFlight.incrementAndGet();
    long actual = System.nanoTime();
    // A 429's body is read for its reason (queue timeout or refused on arrival); others are discarded.
    HttpResponse.BodyHandler<String> handler = info -> info.statusCode() == 429
        ? HttpResponse.BodySubscribers.ofString(java.nio.charset.StandardCharsets.UTF_8)
        : HttpResponse.BodySubscribers.replacing("");
    return client.sendAsync(b.build(), handler)
        .handle((resp, err) -> {
          long end = System.nanoTime();
          inFlight.decrementAndGet();
          long corrected = (end - intended) / 1000;
          long raw = (end - actual) / 1000;
          int status = err == null ? resp.statusCode() : -1;
          if (status >= 200 && status < 300) {
            ps.recordOk(corrected, raw, r.tokens());
            if (ts != null) {
              ts.recordOk(corrected, raw, r.tokens());
            }
            timeline.ok(r.priority(), end - start);
          } else if (status == 429) {
            String reason = reasonOf(resp.body());
            ps.recordShed(corrected, raw, reason);
            if (ts != null) {
              ts.recordShed(corrected, raw, reason);
            }
            timeline.shed(r.priority(), end - start);
          } else {
            ps.errors.increment();
            if (ts != null) {
              ts.errors.increment();
            }
          }
          return null;
        });
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The {@code reason} of a 429 body ({@code {"error":"shed","reason":"queue_full",...}}), or
   * "unknown" when the body is not JSON or names none (a 429 from something other than the sidecar).
   */
  static String reasonOf(String body) {
    try {
      JsonNode r = JSON.readTree(body).get("reason");
      return r != null && r.isTextual() && !r.asText().isEmpty() ? r.asText() : "unknown";
    } catch (JsonProcessingException | RuntimeException e) {
      return "unknown";
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
