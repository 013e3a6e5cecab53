package ai.aim.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.scheduler.config.SchedulerConfig;
import ai.aim.scheduler.placement.PartitionInventory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class LeaderHandOverTest {
    static final long GIB = 1L << 30;

    KubernetesClient client;
    KubernetesMockServer server;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    /** One scheduler replica: its own client, lease candidate, inventory, meters and controller. */
    final class Replica implements AutoCloseable {
        final String id;
        final KubernetesClient kube = server.createClient();
        final LeaseLeadership lease;
        final PartitionInventory inventory = new PartitionInventory();
        final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        final PlacementController controller;

        Replica(String id) {
            this.id = id;
            lease = new LeaseLeadership(kube, new SchedulerConfig.LeaderElection(true, "aim-scheduler", "aim", "3s", "2s", "250ms"), id).start();
            controller = new PlacementController(kube, inventory, lease, meters,
                    new PlacementController.Settings(id, true, 192 * GIB, Duration.ofMillis(50), Duration.ofMillis(500))).start();
            toClose.add(this);
        }

        double placed() {
            var c = meters.find("aim_scheduler_operations").tags("operation", "place", "result", "success").counter();
            return c == null ? 0 : c.count();
        }

        @Override
        public void close() {
            controller.close();
            lease.close();
            kube.close();
        }
    }

    void createService(String name) {
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion(InferenceServices.API_VERSION);
        r.setKind("InferenceService");
        r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("models")
                .addToAnnotations(GpuSharingParser.ANNOTATION, "{\"enabled\":true,\"memoryLimitGB\":10}").build());
        r.setAdditionalProperty("spec", new LinkedHashMap<>(Map.of("predictor", new LinkedHashMap<>(Map.of("model",
                new LinkedHashMap<>(Map.of("modelFormat", Map.of("name", "vllm"))))))));
        client.genericKubernetesResources(InferenceServices.CONTEXT).inNamespace("models").resource(r).create();
    }

    PlacementRecord record(String name) {
        GenericKubernetesResource r = client.genericKubernetesResources(InferenceServices.CONTEXT).inNamespace("models").withName(name).get();
        return r == null ? null : PlacementRecord.parse(r.getMetadata().getAnnotations().get(PlacementRecord.ANNOTATION)).orElse(null);
    }

    @Test
    void onlyTheLeaderActsAndTheOtherTakesOverWhenItStops() {
        client.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName("gpu-1").endMetadata()
                .withNewStatus().addToAllocatable("amd.com/cpx_nps4", new io.fabric8.kubernetes.api.model.Quantity("8")).endStatus()
                .build()).create();
        Replica a = new Replica("replica-a");
        Replica b = new Replica("replica-b");
        await().atMost(Duration.ofSeconds(20)).until(() -> a.lease.isLeader() || b.lease.isLeader());
        Replica leader = a.lease.isLeader() ? a : b;
        Replica follower = leader == a ? b : a;
        assertThat(follower.lease.isLeader()).isFalse();

        createService("first");
        await().atMost(Duration.ofSeconds(20)).until(() -> record("first") != null && record("first").placed());
        assertThat(record("first").by()).isEqualTo(leader.id);
        await().atMost(Duration.ofSeconds(10)).until(() -> leader.placed() == 1.0);
        assertThat(follower.placed()).isZero();
        // The follower mirrors the leader's allocations from the GpuPartition status.
        await().atMost(Duration.ofSeconds(20)).until(() -> follower.inventory.placementOf("models/first").isPresent());

        leader.close();
        await().atMost(Duration.ofSeconds(20)).until(follower.lease::isLeader);
        createService("second");
        await().atMost(Duration.ofSeconds(20)).until(() -> record("second") != null && record("second").placed());
        assertThat(record("second").by()).isEqualTo(follower.id);
        // The new leader kept the first model's promise: both share the best-fit partition.
        assertThat(record("second").partition()).isEqualTo(record("first").partition());
        assertThat(follower.inventory.partition(record("first").partition()).orElseThrow().allocatedBytes()).isEqualTo(20 * GIB);
        await().atMost(Duration.ofSeconds(10)).until(() -> follower.placed() == 1.0);
    }
}
