package ai.aim.scheduler.keda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.scheduler.SchedulerApp;
import ai.aim.scheduler.client.DirectiveListener;
import ai.aim.scheduler.client.SchedulerLink;
import ai.aim.scheduler.client.SidecarIdentity;
import ai.aim.scheduler.client.v1.LoadReport;
import ai.aim.scheduler.client.v1.Priority;
import ai.aim.scheduler.client.v1.PriorityLoad;
import ai.aim.scheduler.config.SchedulerConfig;
import ai.aim.scheduler.keda.v1.ExternalScalerGrpc;
import ai.aim.scheduler.keda.v1.GetMetricsRequest;
import ai.aim.scheduler.keda.v1.ScaledObjectRef;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The scheduler with the KEDA extension: a sidecar reports, KEDA reads the metric. */
class KedaEndToEndTest {

  @Test
  void kedaSeesTheLoadASidecarReportsOnTheSchedulersGrpcPort() throws Exception {
    SchedulerConfig c =
        SchedulerConfig.defaults().withGrpcPort(0).withMetricsPort(0).withKubernetes("none")
            .withSchedulerId("test").withStaleAfter("5s");
    AtomicInteger queued = new AtomicInteger(0);
    try (SchedulerApp app = SchedulerApp.start(c, Optional.empty(), List.of(new KedaExtension()));
        SchedulerLink link =
            SchedulerLink.builder(
                    "127.0.0.1:" + app.grpcPort(),
                    new SidecarIdentity("pod-a", "ml", List.of("llama"), "node-1", "test"))
                .reportInterval(Duration.ofMillis(50))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(400))
                .reports(() -> report(queued.get()))
                .listener(DirectiveListener.NONE)
                .build()) {
      link.start();
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", app.grpcPort()).usePlaintext().build();
      try {
        var keda = ExternalScalerGrpc.newBlockingStub(channel);
        ScaledObjectRef ref =
            ScaledObjectRef.newBuilder().setName("llama-aim").setNamespace("ml")
                .putScalerMetadata("model", "llama").putScalerMetadata("targetPerReplica", "2")
                .build();
        await().atMost(Duration.ofSeconds(10)).until(() -> keda.withDeadlineAfter(5, TimeUnit.SECONDS).isActive(ref).getResult());

        queued.set(6);
        // 6 queued + 4 in flight = 10 > Little's law 10/s x 0.2 s = 2.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(
                    keda.withDeadlineAfter(5, TimeUnit.SECONDS)
                        .getMetrics(GetMetricsRequest.newBuilder().setScaledObjectRef(ref)
                            .setMetricName("aim-llama").build())
                        .getMetricValues(0).getMetricValueFloat())
                .isEqualTo(10.0));
        assertThat(app.registry().scrape()).contains("aim_scaler_metric_value{model=\"llama\",namespace=\"ml\"} 10.0");
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static LoadReport report(int queuedHigh) {
    return LoadReport.newBuilder().setTimestampUnixMillis(System.currentTimeMillis())
        .addModels(ai.aim.scheduler.client.v1.ModelLoad.newBuilder().setModel("llama")
            .addPriorities(PriorityLoad.newBuilder().setPriority(Priority.PRIORITY_HIGH).setQueued(queuedHigh))
            .setInFlight(4).setLimit(8).setArrivalRate(10).setAdmittedRate(10)
            .setServiceTimeSeconds(0.2))
        .build();
  }
}
