package ai.aim.scheduler.keda;

import ai.aim.scheduler.forecast.Forecast;
import ai.aim.scheduler.forecast.ForecastConfig;
import ai.aim.scheduler.forecast.ForecastRegistry;
import ai.aim.scheduler.keda.v1.ExternalScalerGrpc;
import ai.aim.scheduler.keda.v1.GetMetricSpecResponse;
import ai.aim.scheduler.keda.v1.GetMetricsRequest;
import ai.aim.scheduler.keda.v1.GetMetricsResponse;
import ai.aim.scheduler.keda.v1.IsActiveResponse;
import ai.aim.scheduler.keda.v1.MetricSpec;
import ai.aim.scheduler.keda.v1.MetricValue;
import ai.aim.scheduler.keda.v1.ScaledObjectRef;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KEDA's {@code externalscaler.ExternalScaler}, served by the scheduler: one metric per model, the
 * concurrency it should carry, from the aggregated sidecar load, raised by the forecast when the
 * trigger asks for predictive scaling and capped by free matching GPU partitions.
 *
 * <p>Models are keyed by the ScaledObject's namespace and the {@code model} trigger metadata. See
 * {@code docs/autoscaling.md} for the metric's semantics.
 *
 * <p>Threads: gRPC threads answer IsActive/GetMetricSpec/GetMetrics; one scheduled thread owned by
 * this service ({@code aim-keda-scaler}) runs the periodic check and every push to the
 * StreamIsActive streams, so a stream's observer is only ever called from that thread (and once,
 * at registration, under the watcher's lock). Call {@link #start()} once, {@link #close()} at
 * shutdown.
 */
public final class KedaScalerService extends ExternalScalerGrpc.ExternalScalerImplBase
    implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(KedaScalerService.class);

  private final LoadSource loads;
  private final CapacitySource capacity;
  private final ForecastRegistry forecasts;
  private final EventSink events;
  private final MeterRegistry meters;
  private final ScalerConfig config;
  private final Clock wallClock;
  private final LongSupplier nanoClock;
  private final ScheduledExecutorService executor;
  private final ConcurrentMap<String, ModelState> models = new ConcurrentHashMap<>();
  private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();

  /**
   * @param loads aggregated sidecar load per model
   * @param capacity free matching partitions per model ({@link CapacitySource#UNKNOWN} to never
   *     cap)
   * @param forecasts per-model forecasters, sampled by this service every check
   * @param events where GPU-cap transitions are reported
   * @param meters registry for the {@code aim_scaler_*} meters
   * @param config check interval, idle and activation periods
   * @param wallClock wall time for the forecaster (business hours, seasonality)
   * @param nanoClock monotonic time for idle periods
   */
  public KedaScalerService(
      LoadSource loads,
      CapacitySource capacity,
      ForecastRegistry forecasts,
      EventSink events,
      MeterRegistry meters,
      ScalerConfig config,
      Clock wallClock,
      LongSupplier nanoClock) {
    this.loads = Objects.requireNonNull(loads, "loads");
    this.capacity = Objects.requireNonNull(capacity, "capacity");
    this.forecasts = Objects.requireNonNull(forecasts, "forecasts");
    this.events = Objects.requireNonNull(events, "events");
    this.meters = Objects.requireNonNull(meters, "meters");
    this.config = Objects.requireNonNull(config, "config");
    this.wallClock = Objects.requireNonNull(wallClock, "wallClock");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "aim-keda-scaler");
              t.setDaemon(true);
              return t;
            });
  }

  /** Defaults: {@link ScalerConfig#defaults()}, {@link ForecastConfig#defaults()}, system clocks. */
  public KedaScalerService(
      LoadSource loads, CapacitySource capacity, EventSink events, MeterRegistry meters) {
    this(
        loads,
        capacity,
        new ForecastRegistry(ForecastConfig.defaults()),
        events,
        meters,
        ScalerConfig.defaults(),
        Clock.systemUTC(),
        System::nanoTime);
  }

  /** Starts the periodic check (stream pushes, forecaster samples). */
  public void start() {
    long period = config.checkInterval().toMillis();
    executor.scheduleWithFixedDelay(this::checkAll, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Tells the scaler that a model's load changed (called by the report aggregate on each update);
   * the StreamIsActive streams of that model are re-evaluated at once on the scaler's thread.
   */
  public void loadChanged(String namespace, String model) {
    String key = ModelState.key(namespace, model);
    if (!models.containsKey(key)) {
      return;
    }
    executeQuietly(() -> checkModel(key));
  }

  /**
   * Holds a model active for {@link ScalerConfig#activationHold()} although no sidecar reports
   * work, e.g. because a request reached an ingress while the model has no replicas.
   */
  public void requestActivation(String namespace, String model) {
    ModelState state = models.computeIfAbsent(ModelState.key(namespace, model), k -> newState(namespace, model));
    state.requestActivation(nanoClock.getAsLong(), config.activationHold().toNanos());
    executeQuietly(() -> checkModel(state.key));
  }

  /** Forgets a deleted model's state and its forecaster. */
  public void forget(String namespace, String model) {
    String key = ModelState.key(namespace, model);
    models.remove(key);
    forecasts.remove(key);
  }

  @Override
  public void close() {
    executor.shutdownNow();
    for (Watcher w : watchers) {
      w.complete();
    }
    watchers.clear();
  }

  @Override
  public void isActive(ScaledObjectRef ref, StreamObserver<IsActiveResponse> out) {
    call("IsActive", out, () -> {
      ScalerMetadata meta = metadata(ref);
      ModelState state = state(ref, meta);
      boolean active = evaluate(state, meta).active;
      return IsActiveResponse.newBuilder().setResult(active).build();
    });
  }

  @Override
  public void getMetricSpec(ScaledObjectRef ref, StreamObserver<GetMetricSpecResponse> out) {
    call("GetMetricSpec", out, () -> {
      ScalerMetadata meta = metadata(ref);
      ModelState state = state(ref, meta);
      MetricSpec spec =
          MetricSpec.newBuilder()
              .setMetricName(state.metricName())
              .setTargetSize((long) Math.ceil(meta.targetPerReplica()))
              .setTargetSizeFloat(meta.targetPerReplica())
              .build();
      return GetMetricSpecResponse.newBuilder().addMetricSpecs(spec).build();
    });
  }

  @Override
  public void getMetrics(GetMetricsRequest request, StreamObserver<GetMetricsResponse> out) {
    call("GetMetrics", out, () -> {
      ScaledObjectRef ref = request.getScaledObjectRef();
      ScalerMetadata meta = metadata(ref);
      ModelState state = state(ref, meta);
      double value = evaluate(state, meta).decision.metricValue();
      String name = request.getMetricName().isEmpty() ? state.metricName() : request.getMetricName();
      MetricValue mv =
          MetricValue.newBuilder()
              .setMetricName(name)
              .setMetricValue(Math.round(value))
              .setMetricValueFloat(value)
              .build();
      return GetMetricsResponse.newBuilder().addMetricValues(mv).build();
    });
  }

  @Override
  public void streamIsActive(ScaledObjectRef ref, StreamObserver<IsActiveResponse> out) {
    ScalerMetadata meta;
    ModelState state;
    try {
      meta = metadata(ref);
      state = state(ref, meta);
    } catch (IllegalArgumentException e) {
      count("StreamIsActive", "invalid");
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    count("StreamIsActive", "ok");
    Watcher w = new Watcher(state, meta, (ServerCallStreamObserver<IsActiveResponse>) out);
    w.observer.setOnCancelHandler(() -> watchers.remove(w));
    watchers.add(w);
    // The current state at once, as KEDA expects a first message when the stream opens.
    executeQuietly(() -> push(w));
  }

  private void executeQuietly(Runnable r) {
    try {
      executor.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      log.debug("scaler closed; dropped a check");
    }
  }

  private void checkAll() {
    try {
      long now = wallClock.instant().getEpochSecond();
      for (ModelState state : models.values()) {
        loads
            .load(state.namespace, state.model)
            .ifPresent(l -> forecasts.sample(state.key, now, l.arrivalRatePerSecond()));
      }
      for (Watcher w : watchers) {
        push(w);
      }
    } catch (RuntimeException e) {
      // Keep the periodic task alive: a failing load source must not stop scaling for good.
      log.warn("periodic scaler check failed", e);
    }
  }

  private void checkModel(String key) {
    try {
      for (Watcher w : watchers) {
        if (w.state.key.equals(key)) {
          push(w);
        }
      }
    } catch (RuntimeException e) {
      log.warn("scaler check of {} failed", key, e);
    }
  }

  private void push(Watcher w) {
    if (w.observer.isCancelled()) {
      watchers.remove(w);
      return;
    }
    w.send(evaluate(w.state, w.meta).active);
  }

  private ScalerMetadata metadata(ScaledObjectRef ref) {
    if (ref.getNamespace().isEmpty()) {
      throw new IllegalArgumentException("scaledObjectRef.namespace: empty (expected: the ScaledObject's namespace)");
    }
    if (ref.getName().isEmpty()) {
      throw new IllegalArgumentException("scaledObjectRef.name: empty (expected: the ScaledObject's name)");
    }
    return ScalerMetadata.parse(
        ref.getName(), ref.getScalerMetadataMap(), config.defaultIdleBeforeScaleToZero());
  }

  private ModelState state(ScaledObjectRef ref, ScalerMetadata meta) {
    ModelState s =
        models.computeIfAbsent(
            ModelState.key(ref.getNamespace(), meta.model()),
            k -> newState(ref.getNamespace(), meta.model()));
    s.scaledObject(ref.getName());
    return s;
  }

  private ModelState newState(String namespace, String model) {
    ModelState s = new ModelState(namespace, model);
    Tags tags = Tags.of("namespace", namespace, "model", model);
    gauge("aim_scaler_metric_value", "Concurrency reported to KEDA (after the GPU cap)", tags, s, x -> x.metricValue);
    gauge("aim_scaler_desired_replicas", "Replicas the demand asks for, before the GPU cap", tags, s, x -> x.desiredReplicas);
    gauge("aim_scaler_gpu_capped_replicas", "Replicas withheld for lack of free matching GPU partitions", tags, s, x -> x.cappedReplicas);
    gauge("aim_scaler_active", "1 when the scaler reports the model active to KEDA", tags, s, x -> x.active);
    gauge("aim_scaler_forecast_concurrency", "Forecast concurrency at the lookahead horizon (NaN when off)", tags, s, x -> x.forecastConcurrency);
    return s;
  }

  private void gauge(
      String name,
      String help,
      Tags tags,
      ModelState s,
      java.util.function.ToDoubleFunction<ModelState> f) {
    Gauge.builder(name, s, f).description(help).tags(tags).strongReference(true).register(meters);
  }

  private Evaluation evaluate(ModelState state, ScalerMetadata meta) {
    ModelLoad load = loads.load(state.namespace, state.model).orElse(ModelLoad.idle(0));
    double service = state.serviceSeconds(load);
    double forecastRate = Double.NaN;
    if (meta.predictive()) {
      forecastRate =
          forecasts
              .forecast(state.key, wallClock.instant().getEpochSecond())
              .map(Forecast::rate)
              .orElse(Double.NaN);
    }
    int free = capacity.freeMatchingPartitions(state.namespace, state.model);
    ScalingDecision d =
        ScalingDecision.compute(load, forecastRate, service, meta.targetPerReplica(), free);
    boolean active = state.active(d, meta, nanoClock.getAsLong());
    if (state.cappedChanged(d.capped())) {
      reportCap(state, d, load.readyReplicas());
    }
    return new Evaluation(d, active);
  }

  private void reportCap(ModelState state, ScalingDecision d, int ready) {
    String name = state.scaledObjectName();
    EventSink.InvolvedObject obj =
        new EventSink.InvolvedObject(
            "keda.sh/v1alpha1", "ScaledObject", state.namespace, name == null ? state.model : name, null);
    if (d.capped()) {
      events.emit(
          obj,
          EventSink.Type.WARNING,
          "GpuCapacityCapped",
          String.format(
              java.util.Locale.ROOT,
              "model %s wants %d replicas but only %d fit: %d free matching GPU partitions;"
                  + " reporting %.2f instead of %.2f",
              state.model,
              d.desiredReplicas(),
              d.capReplicas(),
              d.capReplicas() - ready,
              d.metricValue(),
              d.demand()));
    } else {
      events.emit(
          obj,
          EventSink.Type.NORMAL,
          "GpuCapacityAvailable",
          "model " + state.model + " is no longer capped by GPU partitions");
    }
  }

  private <T> void call(String method, StreamObserver<T> out, java.util.function.Supplier<T> body) {
    T response;
    try {
      response = body.get();
    } catch (IllegalArgumentException e) {
      count(method, "invalid");
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      count(method, "error");
      log.warn("{} failed", method, e);
      out.onError(Status.UNAVAILABLE.withDescription(method + " failed: " + e).asRuntimeException());
      return;
    }
    count(method, "ok");
    out.onNext(response);
    out.onCompleted();
  }

  private void count(String method, String result) {
    Counter.builder("aim_scaler_requests")
        .description("KEDA external scaler calls by method and result")
        .tags("method", method, "result", result)
        .register(meters)
        .increment();
  }

  private record Evaluation(ScalingDecision decision, boolean active) {}

  /** One open StreamIsActive stream; sends only changes. */
  private static final class Watcher {
    final ModelState state;
    final ScalerMetadata meta;
    final ServerCallStreamObserver<IsActiveResponse> observer;
    private Boolean lastSent;

    Watcher(ModelState state, ScalerMetadata meta, ServerCallStreamObserver<IsActiveResponse> observer) {
      this.state = state;
      this.meta = meta;
      this.observer = observer;
    }

    synchronized void send(boolean active) {
      if (lastSent != null && lastSent == active) {
        return;
      }
      try {
        observer.onNext(IsActiveResponse.newBuilder().setResult(active).build());
        lastSent = active;
      } catch (RuntimeException e) {
        // Cancelled between the check and the send; the cancel handler removes the watcher.
        log.debug("stream closed while pushing", e);
      }
    }

    synchronized void complete() {
      try {
        observer.onCompleted();
      } catch (RuntimeException e) {
        log.debug("stream already closed", e);
      }
    }
  }
}
