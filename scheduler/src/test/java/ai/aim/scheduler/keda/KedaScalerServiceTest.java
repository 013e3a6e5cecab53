package ai.aim.scheduler.keda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.aim.scheduler.forecast.ForecastConfig;
import ai.aim.scheduler.forecast.ForecastRegistry;
import ai.aim.scheduler.keda.v1.ExternalScalerGrpc;
import ai.aim.scheduler.keda.v1.GetMetricSpecResponse;
import ai.aim.scheduler.keda.v1.GetMetricsRequest;
import ai.aim.scheduler.keda.v1.GetMetricsResponse;
import ai.aim.scheduler.keda.v1.IsActiveResponse;
import ai.aim.scheduler.keda.v1.ScaledObjectRef;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KedaScalerServiceTest {

  private final AtomicReference<ModelLoad> load = new AtomicReference<>();
  private final AtomicInteger free = new AtomicInteger(CapacitySource.UNLIMITED);
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final AtomicLong wallSeconds = new AtomicLong(1_700_000_000L);
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ForecastRegistry forecasts =
      new ForecastRegistry(
          ForecastConfig.defaults()
              .withStep(Duration.ofMinutes(1), 2 * 1440)
              .withHorizon(Duration.ofMinutes(1))
              .withRecomputeInterval(Duration.ZERO));

  private KedaScalerService service;
  private Server server;
  private ManagedChannel channel;
  private ExternalScalerGrpc.ExternalScalerBlockingStub blocking;

  @BeforeEach
  void start() throws Exception {
    LoadSource loads =
        (ns, model) ->
            ns.equals("ml") && model.equals("llama") ? Optional.ofNullable(load.get()) : Optional.empty();
    Clock wall =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return Instant.ofEpochSecond(wallSeconds.get());
          }
        };
    service =
        new KedaScalerService(
            loads,
            (ns, model) -> free.get(),
            forecasts,
            (obj, type, reason, message) ->
                events.add(obj.kind() + "/" + obj.name() + " " + type.kubernetesName() + " " + reason + ": " + message),
            meters,
            new ScalerConfig(Duration.ofMillis(50), Duration.ofMinutes(5), Duration.ofMinutes(2)),
            wall,
            nanos::get);
    service.start();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service)
            .build()
            .start();
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    blocking = ExternalScalerGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    service.close();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private static ScaledObjectRef ref(Map<String, String> meta) {
    return ScaledObjectRef.newBuilder()
        .setName("llama-aim")
        .setNamespace("ml")
        .putScalerMetadata("scalerAddress", "aim-scheduler.aim-system:9090")
        .putScalerMetadata("model", "llama")
        .putAllScalerMetadata(meta)
        .build();
  }

  private double metric(ScaledObjectRef ref) {
    GetMetricsResponse r =
        blocking.getMetrics(
            GetMetricsRequest.newBuilder().setScaledObjectRef(ref).setMetricName("aim-llama").build());
    assertThat(r.getMetricValuesList()).hasSize(1);
    assertThat(r.getMetricValues(0).getMetricName()).isEqualTo("aim-llama");
    return r.getMetricValues(0).getMetricValueFloat();
  }

  @Test
  void metricSpecCarriesTheTargetPerReplicaAsFloatAndInteger() {
    GetMetricSpecResponse spec = blocking.getMetricSpec(ref(Map.of("targetPerReplica", "2.5")));

    assertThat(spec.getMetricSpecsList()).hasSize(1);
    assertThat(spec.getMetricSpecs(0).getMetricName()).isEqualTo("aim-llama");
    assertThat(spec.getMetricSpecs(0).getTargetSizeFloat()).isEqualTo(2.5);
    assertThat(spec.getMetricSpecs(0).getTargetSize()).isEqualTo(3);
  }

  @Test
  void metricIsTheLargerOfQueuedPlusInFlightAndLittlesLawConcurrency() {
    load.set(new ModelLoad(3, 2, 1, 4, 2, 1.0, 2.0));
    assertThat(metric(ref(Map.of()))).isEqualTo(10.0);

    load.set(new ModelLoad(0, 1, 0, 2, 2, 5.0, 3.0));
    assertThat(metric(ref(Map.of()))).isEqualTo(15.0);
    assertThat(meters.get("aim_scaler_metric_value").tag("model", "llama").gauge().value())
        .isEqualTo(15.0);
  }

  @Test
  void gpuCapLimitsTheMetricToReadyPlusFreePartitionsAndSaysSoInAnEvent() {
    load.set(new ModelLoad(30, 0, 0, 10, 2, 0, 1.0));
    free.set(1);

    // 40 concurrent at 4 per replica wants 10 replicas; 2 ready + 1 free partition = 3.
    assertThat(metric(ref(Map.of("targetPerReplica", "4")))).isEqualTo(12.0);
    assertThat(meters.get("aim_scaler_gpu_capped_replicas").tag("model", "llama").gauge().value())
        .isEqualTo(7.0);
    assertThat(meters.get("aim_scaler_desired_replicas").tag("model", "llama").gauge().value())
        .isEqualTo(10.0);
    assertThat(events)
        .singleElement()
        .asString()
        .startsWith("ScaledObject/llama-aim Warning GpuCapacityCapped")
        .contains("wants 10 replicas but only 3 fit");

    free.set(20);
    assertThat(metric(ref(Map.of("targetPerReplica", "4")))).isEqualTo(40.0);
    assertThat(events).hasSize(2).last().asString().contains("GpuCapacityAvailable");
  }

  @Test
  void invalidMetadataIsRefusedWithInvalidArgumentNamingTheKey() {
    assertThatThrownBy(() -> blocking.getMetricSpec(ref(Map.of("targetPerReplica", "-1"))))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("scalerMetadata.targetPerReplica: -1 (expected: > 0)");
            });
    assertThatThrownBy(() -> blocking.isActive(ref(Map.of("predictive", "yes"))))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e ->
                assertThat(e.getStatus().getDescription())
                    .contains("scalerMetadata.predictive: 'yes' (expected: true or false)"));
    assertThatThrownBy(() -> blocking.isActive(ref(Map.of("idleBeforeScaleToZero", "soon"))))
        .hasMessageContaining("scalerMetadata.idleBeforeScaleToZero: 'soon'");
  }

  @Test
  void isActiveStaysTrueUntilTheIdlePeriodHasPassed() {
    ScaledObjectRef ref = ref(Map.of("idleBeforeScaleToZero", "5m"));
    assertThat(blocking.isActive(ref).getResult()).isFalse();

    load.set(new ModelLoad(1, 0, 0, 0, 0, 0, 0));
    assertThat(blocking.isActive(ref).getResult()).isTrue();

    load.set(ModelLoad.idle(1));
    nanos.addAndGet(Duration.ofMinutes(4).toNanos());
    assertThat(blocking.isActive(ref).getResult()).isTrue();

    nanos.addAndGet(Duration.ofMinutes(2).toNanos());
    assertThat(blocking.isActive(ref).getResult()).isFalse();
  }

  @Test
  void activationThresholdIgnoresATrickleOfLoad() {
    ScaledObjectRef ref = ref(Map.of("activationThreshold", "2"));
    load.set(new ModelLoad(0, 0, 1, 1, 1, 0, 0));
    assertThat(blocking.isActive(ref).getResult()).isFalse();
    load.set(new ModelLoad(0, 0, 2, 1, 1, 0, 0));
    assertThat(blocking.isActive(ref).getResult()).isTrue();
  }

  @Test
  void streamIsActivePushesActiveWhenTheFirstRequestQueues() {
    List<Boolean> received = new CopyOnWriteArrayList<>();
    AtomicReference<Throwable> error = new AtomicReference<>();
    ExternalScalerGrpc.newStub(channel)
        .streamIsActive(
            ref(Map.of()),
            new StreamObserver<IsActiveResponse>() {
              @Override
              public void onNext(IsActiveResponse value) {
                received.add(value.getResult());
              }

              @Override
              public void onError(Throwable t) {
                error.set(t);
              }

              @Override
              public void onCompleted() {}
            });
    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
    assertThat(received).containsExactly(false);

    load.set(new ModelLoad(1, 0, 0, 0, 0, 0, 0));
    service.loadChanged("ml", "llama");

    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
    assertThat(received).containsExactly(false, true);
    assertThat(error.get()).isNull();
    assertThat(meters.get("aim_scaler_active").tag("model", "llama").gauge().value()).isEqualTo(1.0);
  }

  @Test
  void streamIsActiveAlsoFlipsFromThePeriodicCheckWithoutANotification() {
    List<Boolean> received = new CopyOnWriteArrayList<>();
    ExternalScalerGrpc.newStub(channel)
        .streamIsActive(ref(Map.of()), collect(received));
    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);

    load.set(new ModelLoad(0, 0, 0, 3, 1, 0, 0));

    await().atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
    assertThat(received).containsExactly(false, true);
  }

  @Test
  void invalidStreamIsRefusedWithInvalidArgument() {
    AtomicReference<Throwable> error = new AtomicReference<>();
    StreamObserver<IsActiveResponse> obs =
        new StreamObserver<>() {
          @Override
          public void onNext(IsActiveResponse value) {}

          @Override
          public void onError(Throwable t) {
            error.set(t);
          }

          @Override
          public void onCompleted() {}
        };
    ExternalScalerGrpc.newStub(channel)
        .streamIsActive(ref(Map.of("activationThreshold", "-3")), obs);
    await().atMost(Duration.ofSeconds(10)).until(() -> error.get() != null);
    assertThat(Status.fromThrowable(error.get()).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
  }

  @Test
  void explicitActivationMakesAModelWithoutReplicasActive() {
    ScaledObjectRef ref = ref(Map.of());
    assertThat(blocking.isActive(ref).getResult()).isFalse();
    service.requestActivation("ml", "llama");
    assertThat(blocking.isActive(ref).getResult()).isTrue();
    nanos.addAndGet(Duration.ofMinutes(8).toNanos());
    assertThat(blocking.isActive(ref).getResult()).isFalse();
  }

  @Test
  void predictiveScalingRaisesTheMetricToTheForecastConcurrency() {
    // Two complete one-minute steps at 10 requests/s, then the rate drops to 1/s.
    long t0 = wallSeconds.get() - wallSeconds.get() % 60;
    forecasts.sample("ml/llama", t0, 10);
    forecasts.sample("ml/llama", t0 + 60, 10);
    forecasts.sample("ml/llama", t0 + 120, 10);
    wallSeconds.set(t0 + 130);
    load.set(new ModelLoad(0, 0, 0, 1, 1, 1.0, 0.5));

    assertThat(metric(ref(Map.of("predictive", "false")))).isEqualTo(1.0);
    assertThat(metric(ref(Map.of("predictive", "true")))).isCloseTo(5.0, org.assertj.core.data.Offset.offset(0.01));
  }

  private static StreamObserver<IsActiveResponse> collect(List<Boolean> into) {
    return new StreamObserver<>() {
      @Override
      public void onNext(IsActiveResponse value) {
        into.add(value.getResult());
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }
}
