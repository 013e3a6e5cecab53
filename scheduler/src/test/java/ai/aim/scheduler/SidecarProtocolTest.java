package ai.aim.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ai.aim.scheduler.client.DirectiveListener;
import ai.aim.scheduler.client.SchedulerLink;
import ai.aim.scheduler.client.SidecarIdentity;
import ai.aim.scheduler.client.v1.Drain;
import ai.aim.scheduler.client.v1.LimitOverride;
import ai.aim.scheduler.client.v1.LoadReport;
import ai.aim.scheduler.client.v1.ModelLoad;
import ai.aim.scheduler.client.v1.Priority;
import ai.aim.scheduler.client.v1.PriorityLoad;
import ai.aim.scheduler.client.v1.SloState;
import ai.aim.scheduler.config.SchedulerConfig;
import ai.aim.scheduler.reports.PodKey;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SidecarProtocolTest {
    private final List<AutoCloseable> toClose = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private SchedulerApp scheduler(int port) throws IOException {
        SchedulerConfig c = SchedulerConfig.defaults().withGrpcPort(port).withMetricsPort(0)
                .withKubernetes("none").withSchedulerId("test").withStaleAfter("5s");
        SchedulerApp app = SchedulerApp.start(c, Optional.empty(), List.of());
        toClose.add(app);
        return app;
    }

    private SchedulerLink link(int port, String pod, AtomicInteger queued, DirectiveListener listener) {
        SchedulerLink link = SchedulerLink.builder("127.0.0.1:" + port,
                        new SidecarIdentity(pod, "ns", List.of("llama"), "node-1", "test"))
                .reportInterval(Duration.ofMillis(50))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(400))
                .reports(() -> report(queued.get()))
                .listener(listener)
                .build();
        toClose.add(link);
        return link.start();
    }

    private static LoadReport report(int queuedHigh) {
        return LoadReport.newBuilder().setTimestampUnixMillis(System.currentTimeMillis())
                .addModels(ModelLoad.newBuilder().setModel("llama")
                        .addPriorities(PriorityLoad.newBuilder().setPriority(Priority.PRIORITY_HIGH).setQueued(queuedHigh))
                        .addPriorities(PriorityLoad.newBuilder().setPriority(Priority.PRIORITY_LOW).setQueued(2))
                        .setInFlight(4).setLimit(8).setArrivalRate(10).setAdmittedRate(9).setShedRate(1)
                        .setLatencyP50Seconds(0.1).setLatencyP99Seconds(0.5).setServiceTimeSeconds(0.2)
                        .addSlos(SloState.newBuilder().setPriority(Priority.PRIORITY_HIGH).setWindow("5m")
                                .setCompliance(0.97).setBurnRate(3.0)))
                .build();
    }

    @Test
    void aSidecarReportsAtTheIntervalTheSchedulersWelcomeAsksFor() throws Exception {
        SchedulerConfig c = SchedulerConfig.defaults().withGrpcPort(0).withMetricsPort(0)
                .withKubernetes("none").withSchedulerId("test").withStaleAfter("5s").withReportInterval("200ms");
        SchedulerApp app = SchedulerApp.start(c, Optional.empty(), List.of());
        toClose.add(app);
        // The sidecar's own interval (1 minute) would send nothing during this test.
        SchedulerLink link = SchedulerLink.builder("127.0.0.1:" + app.grpcPort(),
                        new SidecarIdentity("pod-w", "ns", List.of("llama"), "node-1", "test"))
                .reportInterval(Duration.ofMinutes(1))
                .backoff(Duration.ofMillis(50), Duration.ofMillis(400))
                .reports(() -> report(1))
                .build();
        toClose.add(link);
        assertThat(link.reportInterval()).isEqualTo(Duration.ofMinutes(1));
        link.start();

        await().atMost(Duration.ofSeconds(10)).until(link::connected);
        assertThat(link.reportInterval()).isEqualTo(Duration.ofMillis(200));
        await().atMost(Duration.ofSeconds(10)).until(() -> link.reportsSent() >= 3);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
                assertThat(app.reports().model("ns", "llama").orElseThrow().pods()).isEqualTo(1));
    }

    @Test
    void aReportIntervalOutsideItsBoundsIsRefusedWithTheReason() {
        assertThatThrownBy(() -> SchedulerConfig.defaults().withReportInterval("50ms"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("reportInterval: 50ms (expected: at least 100ms and at most half of staleAfter");
        assertThatThrownBy(() -> SchedulerConfig.defaults().withStaleAfter("5s").withReportInterval("3s"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("half of staleAfter, 5s");
        assertThat(SchedulerConfig.defaults().withReportInterval("2s").reportIntervalDuration())
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(SchedulerConfig.defaults().reportIntervalDuration()).isZero();
    }

    @Test
    void sidecarReportsReachTheAggregateSummedOverPods() throws Exception {
        SchedulerApp app = scheduler(0);
        AtomicInteger queued = new AtomicInteger(3);
        SchedulerLink a = link(app.grpcPort(), "pod-a", queued, DirectiveListener.NONE);
        link(app.grpcPort(), "pod-b", queued, DirectiveListener.NONE);

        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
            var load = app.reports().model("ns", "llama").orElseThrow();
            assertThat(load.pods()).isEqualTo(2);
            assertThat(load.queued().high()).isEqualTo(6);
            assertThat(load.queued().low()).isEqualTo(4);
            assertThat(load.inFlight()).isEqualTo(8);
            assertThat(load.limit()).isEqualTo(16);
            assertThat(load.arrivalRate()).isEqualTo(20.0);
            assertThat(load.latencyP99Seconds()).isEqualTo(0.5);
            assertThat(load.minSloCompliance()).isEqualTo(0.97);
            assertThat(load.maxBurnRate()).isEqualTo(3.0);
        });
        queued.set(10);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
                assertThat(app.reports().model("ns", "llama").orElseThrow().queued().high()).isEqualTo(20));
        assertThat(a.connected()).isTrue();
        assertThat(a.reportsSent()).isPositive();
        assertThat(app.reports().model("ns", "other")).isEmpty();
    }

    @Test
    void aLimitOverrideAndADrainReachTheSidecarsListenerAndAreAcknowledged() throws Exception {
        SchedulerApp app = scheduler(0);
        List<LimitOverride> overrides = new CopyOnWriteArrayList<>();
        List<Drain> drains = new CopyOnWriteArrayList<>();
        SchedulerLink link = link(app.grpcPort(), "pod-a", new AtomicInteger(), new DirectiveListener() {
            @Override
            public boolean onLimitOverride(LimitOverride override, long expiresAtNanos) {
                overrides.add(override);
                return true;
            }

            @Override
            public boolean onDrain(Drain drain) {
                drains.add(drain);
                return true;
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(link::connected);
        PodKey pod = new PodKey("ns", "pod-a");
        assertThat(app.sidecars().sendLimitOverride(pod, "llama", 3, Duration.ofSeconds(30), "burst")).isTrue();
        assertThat(app.sidecars().sendDrain(pod, "partition moving", Duration.ZERO)).isTrue();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(overrides).singleElement().satisfies(o -> {
                assertThat(o.getModel()).isEqualTo("llama");
                assertThat(o.getLimit()).isEqualTo(3);
                assertThat(o.getTtlMillis()).isEqualTo(30_000);
            });
            assertThat(drains).singleElement().extracting(Drain::getReason).isEqualTo("partition moving");
            // Welcome is 1, the override 2, the drain 3.
            assertThat(app.sidecars().lastAcknowledged(pod)).isEqualTo(3);
        });
        assertThat(app.sidecars().sendDrain(new PodKey("ns", "absent"), "x", Duration.ZERO)).isFalse();
    }

    @Test
    void whenTheSchedulerRestartsTheSidecarReconnectsAndReportsResume() throws Exception {
        SchedulerApp first = scheduler(0);
        int port = first.grpcPort();
        List<Boolean> connectionChanges = new CopyOnWriteArrayList<>();
        SchedulerLink link = link(port, "pod-a", new AtomicInteger(1), new DirectiveListener() {
            @Override
            public void onConnectionChange(boolean connected) {
                connectionChanges.add(connected);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> first.reports().model("ns", "llama").isPresent());
        // A report can reach the scheduler before its Welcome reaches the sidecar: wait for the session.
        await().atMost(Duration.ofSeconds(10)).until(link::connected);

        first.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> !link.connected());
        long sentWhileUp = link.reportsSent();

        SchedulerApp second = scheduler(port);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(second.reports().model("ns", "llama")).isPresent();
            assertThat(link.connected()).isTrue();
        });
        assertThat(link.reconnects()).isPositive();
        await().atMost(Duration.ofSeconds(10)).until(() -> link.reportsSent() > sentWhileUp);
        assertThat(connectionChanges).startsWith(true, false).endsWith(true);
    }

    @Test
    void aSidecarWithoutASchedulerKeepsRetryingAndNeverCallsItsSupplier() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        AtomicInteger supplierCalls = new AtomicInteger();
        SchedulerLink link = SchedulerLink.builder("127.0.0.1:" + port,
                        new SidecarIdentity("pod-a", "ns", List.of("llama"), "", ""))
                .reportInterval(Duration.ofMillis(20))
                .backoff(Duration.ofMillis(10), Duration.ofMillis(50))
                .reports(() -> {
                    supplierCalls.incrementAndGet();
                    return report(1);
                })
                .build();
        toClose.add(link);
        link.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> link.reconnects() >= 3);
        assertThat(link.connected()).isFalse();
        assertThat(link.reportsSent()).isZero();
        assertThat(supplierCalls).hasValue(0);
    }
}
