package ai.aim.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.scheduler.client.DirectiveListener;
import ai.aim.scheduler.client.SchedulerLink;
import ai.aim.scheduler.client.SidecarIdentity;
import ai.aim.scheduler.client.v1.LoadReport;
import ai.aim.scheduler.client.v1.ModelLoad;
import ai.aim.scheduler.client.v1.Priority;
import ai.aim.scheduler.client.v1.PriorityLoad;
import ai.aim.scheduler.config.SchedulerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scheduler restarted under many reporting sidecars: 200 real {@link SchedulerLink}s (each its
 * own channel, connection and thread, as 200 pods would have) report to a scheduler that is closed
 * and started again on the same port. No link fails, every one reconnects by itself, and the new
 * scheduler's aggregate holds a fresh report from each. The same at 2,000 links is the
 * {@code SchedulerRestart} benchmark (docs/reliability.md).
 */
class SchedulerRestartTest {
    private static final int LINKS = 200;

    private final List<SchedulerLink> links = new ArrayList<>();
    private final List<SchedulerApp> apps = new ArrayList<>();

    @AfterEach
    void close() {
        links.forEach(SchedulerLink::close);
        apps.forEach(SchedulerApp::close);
    }

    private SchedulerApp scheduler(int port, String id) throws Exception {
        SchedulerConfig c = SchedulerConfig.defaults().withGrpcPort(port).withMetricsPort(0).withKubernetes("none")
                .withSchedulerId(id).withStaleAfter("30s");
        SchedulerApp app = SchedulerApp.start(c, Optional.empty(), List.of());
        apps.add(app);
        return app;
    }

    private static long reportingPods(SchedulerApp app) {
        return app.reports().pods().stream().filter(p -> p.connected() && p.lastReport() != null).count();
    }

    private static LoadReport report(int i) {
        return LoadReport.newBuilder().setTimestampUnixMillis(System.currentTimeMillis())
                .addModels(ModelLoad.newBuilder().setModel("model-" + (i % 20))
                        .addPriorities(PriorityLoad.newBuilder().setPriority(Priority.PRIORITY_MEDIUM).setQueued(i % 7)))
                .build();
    }

    @Test
    void afterARestartEverySidecarReconnectsByItselfAndItsReportsResumeWithoutErrors() throws Exception {
        SchedulerApp first = scheduler(0, "first");
        int port = first.grpcPort();
        AtomicInteger listenerCalls = new AtomicInteger();
        AtomicInteger disconnects = new AtomicInteger();
        for (int i = 0; i < LINKS; i++) {
            int n = i;
            links.add(SchedulerLink.builder("127.0.0.1:" + port,
                            new SidecarIdentity("pod-" + i, "ns", List.of("model-" + (i % 20)), "node-" + (i % 50), "test"))
                    .reportInterval(Duration.ofMillis(250))
                    .backoff(Duration.ofMillis(100), Duration.ofSeconds(1))
                    .reports(() -> report(n))
                    .listener(new DirectiveListener() {
                        @Override
                        public void onConnectionChange(boolean connected) {
                            listenerCalls.incrementAndGet();
                            if (!connected) {
                                disconnects.incrementAndGet();
                            }
                        }
                    })
                    .build()
                    .start());
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> reportingPods(first) == LINKS);

        first.close();
        await().atMost(Duration.ofSeconds(30)).until(() -> links.stream().noneMatch(SchedulerLink::connected));
        assertThat(disconnects).as("every link noticed the scheduler going").hasValue(LINKS);
        long[] sentBefore = links.stream().mapToLong(SchedulerLink::reportsSent).toArray();

        SchedulerApp second = scheduler(port, "second");
        await().atMost(Duration.ofSeconds(60)).until(() -> reportingPods(second) == LINKS);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (int i = 0; i < LINKS; i++) {
                assertThat(links.get(i).connected()).as("pod-%d connected", i).isTrue();
                assertThat(links.get(i).reportsSent()).as("pod-%d reports resumed", i).isGreaterThan(sentBefore[i]);
            }
        });
        assertThat(links).allSatisfy(l -> {
            assertThat(l.reportSupplierFailures()).isZero();
            assertThat(l.reconnects()).isPositive();
        });
        assertThat(second.sidecars().connectedPods()).hasSize(LINKS);
    }
}
