package ai.aim.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ai.aim.scheduler.Leadership;
import ai.aim.scheduler.placement.PartitionInventory;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
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
class PlacementControllerTest {
    static final long GIB = 1L << 30;
    static final String NS = "models";

    KubernetesClient client;
    KubernetesMockServer server;
    final List<AutoCloseable> toClose = new ArrayList<>();
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    PlacementController controller(KubernetesClient c, Leadership leadership, String id, PrometheusMeterRegistry reg) {
        PlacementController pc = new PlacementController(c, new PartitionInventory(), leadership, reg,
                new PlacementController.Settings(id, true, 192 * GIB, Duration.ofMillis(50), Duration.ofMillis(500)));
        toClose.add(pc);
        return pc.start();
    }

    PlacementController controller() {
        return controller(client, Leadership.always(), "sched-0", registry);
    }

    void node(String name, String resource, int count) {
        Map<String, Quantity> allocatable = new LinkedHashMap<>();
        allocatable.put("cpu", new Quantity("64"));
        if (resource != null) {
            allocatable.put(resource, new Quantity(String.valueOf(count)));
        }
        Node n = new NodeBuilder().withNewMetadata().withName(name)
                .addToLabels("kubernetes.io/hostname", name).addToLabels("amd.com/gpu.vram", "192G").endMetadata()
                .withNewStatus().withAllocatable(allocatable).endStatus().build();
        client.nodes().resource(n).create();
    }

    void partition(String name, String node, long gib) {
        GpuPartition gp = new GpuPartition();
        gp.setMetadata(new ObjectMetaBuilder().withName(name).build());
        gp.setSpec(new GpuPartitionSpec(node, "0", "0", "CPX", "NPS4", gib * GIB, "amd.com/cpx_nps4"));
        client.resources(GpuPartition.class).resource(gp).create();
    }

    Resource<GenericKubernetesResource> isvc(String name) {
        return client.genericKubernetesResources(InferenceServices.CONTEXT).inNamespace(NS).withName(name);
    }

    void createService(String name, String sharing) {
        GenericKubernetesResource r = new GenericKubernetesResource();
        r.setApiVersion(InferenceServices.API_VERSION);
        r.setKind("InferenceService");
        r.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS)
                .addToAnnotations(GpuSharingParser.ANNOTATION, sharing).build());
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("modelFormat", Map.of("name", "huggingface"));
        model.put("resources", new LinkedHashMap<>(Map.of("limits", new LinkedHashMap<>(Map.of("cpu", "4")))));
        r.setAdditionalProperty("spec", new LinkedHashMap<>(Map.of("predictor", new LinkedHashMap<>(Map.of("model", model)))));
        client.genericKubernetesResources(InferenceServices.CONTEXT).inNamespace(NS).resource(r).create();
    }

    /**
     * A user's edit: like kubectl, it retries when the controller wrote the object between our
     * read and our write (409 Conflict), which happens whenever a reconcile is in flight.
     */
    void setSharing(String name, String sharing) {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptionsMatching(
                e -> e instanceof KubernetesClientException k && k.getCode() == 409).until(() -> {
            isvc(name).edit(r -> {
                r.getMetadata().getAnnotations().put(GpuSharingParser.ANNOTATION, sharing);
                return r;
            });
            return true;
        });
    }

    PlacementRecord record(String name) {
        GenericKubernetesResource r = isvc(name).get();
        return r == null ? null : PlacementRecord.parse(r.getMetadata().getAnnotations().get(PlacementRecord.ANNOTATION)).orElse(null);
    }

    GpuPartitionStatus status(String partition) {
        GpuPartition gp = client.resources(GpuPartition.class).withName(partition).get();
        return gp == null ? null : gp.getStatus();
    }

    List<String> eventReasons(String involved) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> involved.equals(e.getInvolvedObject().getName())).map(e -> e.getReason()).toList();
    }

    String eventMessage(String involved, String reason) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> involved.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
                .map(e -> e.getMessage()).findFirst().orElse(null);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> predictor(GenericKubernetesResource r) {
        return (Map<String, Object>) ((Map<String, Object>) r.getAdditionalProperties().get("spec")).get("predictor");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> limits(GenericKubernetesResource r) {
        Map<String, Object> model = (Map<String, Object>) predictor(r).get("model");
        return (Map<String, Object>) ((Map<String, Object>) model.get("resources")).get("limits");
    }

    @Test
    void placesAnOptedInServiceOnADiscoveredPartitionAndSteersItsPredictor() {
        node("gpu-1", "amd.com/cpx_nps4", 8);
        controller();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.resources(GpuPartition.class).list().getItems().size() == 8);

        createService("llama", "{\"enabled\":true,\"memoryLimitGB\":16,\"computeMode\":\"CPX\",\"qosPriority\":\"high\"}");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            PlacementRecord rec = record("llama");
            assertThat(rec).isNotNull();
            assertThat(rec.state()).isEqualTo(PlacementRecord.PLACED);
            assertThat(rec.partition()).isEqualTo("gpu-1-cpx-nps4-g0-p0");
            assertThat(status("gpu-1-cpx-nps4-g0-p0").getAllocatedBytes()).isEqualTo(16 * GIB);
        });
        GenericKubernetesResource r = isvc("llama").get();
        assertThat(r.getMetadata().getFinalizers()).contains(InferenceServices.FINALIZER);
        assertThat(predictor(r).get("nodeSelector")).isEqualTo(Map.of("kubernetes.io/hostname", "gpu-1"));
        assertThat(limits(r)).containsEntry("amd.com/cpx_nps4", "1").containsEntry("cpu", "4");
        assertThat(status("gpu-1-cpx-nps4-g0-p0").getModels()).extracting(GpuPartitionStatus.PlacedModel::getName)
                .containsExactly(NS + "/llama");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(eventReasons("llama")).contains("Placed");
            assertThat(InferenceServices.condition(isvc("llama").get())).isNotNull().containsEntry("status", "True");
        });

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String scrape = registry.scrape();
            assertThat(scrape).contains("aim_scheduler_operations_total{operation=\"place\",result=\"success\"} 1.0");
            assertThat(scrape).containsPattern("aim_gpu_partition_memory_allocated_bytes\\{gpu_compute_partition_type=\"cpx\","
                    + "gpu_id=\"0\",gpu_memory_partition_type=\"nps4\",gpu_partition_id=\"0\",node=\"gpu-1\","
                    + "partition=\"gpu-1-cpx-nps4-g0-p0\"} 1.7179869184E10");
            assertThat(scrape).contains("aim_model_memory_bytes{model=\"llama\",namespace=\"models\"} 1.7179869184E10");
        });
    }

    @Test
    void anUpdateThatNoLongerFitsMovesTheModelAndDeletingFreesIt() {
        node("cpx-node", "amd.com/cpx_nps4", 8);
        node("spx-node", "amd.com/spx_nps1", 1);
        controller();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.resources(GpuPartition.class).list().getItems().size() == 9);

        createService("m", "{\"enabled\":true,\"memoryLimitGB\":16}");
        await().atMost(Duration.ofSeconds(20)).until(() -> record("m") != null && record("m").placed());
        String first = record("m").partition();
        assertThat(first).isEqualTo("cpx-node-cpx-nps4-g0-p0");

        setSharing("m", "{\"enabled\":true,\"memoryLimitGB\":100}");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(record("m").partition()).isEqualTo("spx-node-spx-nps1-g0-p0");
            assertThat(status(first).getAllocatedBytes()).isZero();
            assertThat(status("spx-node-spx-nps1-g0-p0").getAllocatedBytes()).isEqualTo(100 * GIB);
        });
        GenericKubernetesResource r = isvc("m").get();
        assertThat(predictor(r).get("nodeSelector")).isEqualTo(Map.of("kubernetes.io/hostname", "spx-node"));
        assertThat(limits(r)).containsEntry("amd.com/spx_nps1", "1").doesNotContainKey("amd.com/cpx_nps4");
        await().atMost(Duration.ofSeconds(10)).until(() -> eventReasons("m").contains("Moved"));

        isvc("m").delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(isvc("m").get()).isNull();
            assertThat(status("spx-node-spx-nps1-g0-p0").getAllocatedBytes()).isZero();
        });
    }

    @Test
    void anInvalidAnnotationGivesAnEventAndAConditionNamingTheFieldAndTheControllerCarriesOn() {
        node("gpu-1", "amd.com/cpx_nps4", 8);
        controller();
        createService("bad", "{\"enabled\":true,\"memoryLimitGB\":8,\"computeMode\":\"XPX\"}");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(eventMessage("bad", "InvalidGpuSharing")).contains("'computeMode'");
            PlacementRecord rec = record("bad");
            assertThat(rec).isNotNull();
            assertThat(rec.state()).isEqualTo(PlacementRecord.INVALID);
            assertThat(rec.field()).isEqualTo("computeMode");
            Map<String, Object> cond = InferenceServices.condition(isvc("bad").get());
            assertThat(cond).isNotNull();
            assertThat(cond).containsEntry("status", "False").containsEntry("reason", "InvalidGpuSharing");
            assertThat((String) cond.get("message")).contains("computeMode");
        });
        createService("good", "{\"enabled\":true,\"memoryLimitGB\":8}");
        await().atMost(Duration.ofSeconds(20)).until(() -> record("good") != null && record("good").placed());

        setSharing("bad", "{\"enabled\":true,\"memoryLimitGB\":8,\"computeMode\":\"CPX\"}");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(record("bad").placed()).isTrue();
            assertThat(registry.scrape())
                    .contains("aim_scheduler_operations_total{operation=\"validate\",result=\"invalid\"} 1.0")
                    .contains("aim_scheduler_operations_total{operation=\"place\",result=\"success\"} 2.0");
        });
    }

    @Test
    void aFullPartitionLeavesTheNextModelUnscheduledUntilMemoryIsFreed() {
        node("n1", null, 0);
        partition("hand-made", "n1", 24);
        controller();
        createService("a", "{\"enabled\":true,\"memoryLimitGB\":16}");
        await().atMost(Duration.ofSeconds(20)).until(() -> record("a") != null && record("a").placed());
        createService("b", "{\"enabled\":true,\"memoryLimitGB\":8}");
        await().atMost(Duration.ofSeconds(20)).until(() -> record("b") != null && record("b").placed());
        createService("c", "{\"enabled\":true,\"memoryLimitGB\":4}");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(record("c")).isNotNull();
            assertThat(record("c").state()).isEqualTo(PlacementRecord.UNSCHEDULABLE);
            assertThat(eventMessage("c", "PlacementFailed")).contains("1 INSUFFICIENT_MEMORY");
        });
        assertThat(status("hand-made").getAllocatedBytes()).isEqualTo(24 * GIB);

        isvc("a").delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(record("c").placed()).isTrue();
            assertThat(status("hand-made").getModels()).extracting(GpuPartitionStatus.PlacedModel::getName)
                    .containsExactlyInAnyOrder(NS + "/b", NS + "/c");
        });
    }

    @Test
    void whenANodeIsDeletedItsPartitionsGoAndItsModelsMoveElsewhere() {
        node("node-a", "amd.com/cpx_nps4", 8);
        node("node-b", "amd.com/cpx_nps4", 8);
        controller();
        await().atMost(Duration.ofSeconds(20)).until(() -> client.resources(GpuPartition.class).list().getItems().size() == 16);
        createService("m", "{\"enabled\":true,\"memoryLimitGB\":16}");
        await().atMost(Duration.ofSeconds(20)).until(() -> record("m") != null && record("m").placed());
        assertThat(record("m").node()).isEqualTo("node-a");

        client.nodes().withName("node-a").delete();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            assertThat(record("m").node()).isEqualTo("node-b");
            assertThat(client.resources(GpuPartition.class).list().getItems())
                    .hasSize(8).allSatisfy(p -> assertThat(p.getSpec().getNode()).isEqualTo("node-b"));
        });
        assertThat(predictor(isvc("m").get()).get("nodeSelector")).isEqualTo(Map.of("kubernetes.io/hostname", "node-b"));
    }

    @Test
    void aServiceThatOptsOutIsUnsteeredAndReleased() {
        node("gpu-1", "amd.com/cpx_nps4", 8);
        controller();
        createService("m", "{\"enabled\":true,\"memoryLimitGB\":16}");
        await().atMost(Duration.ofSeconds(20)).until(() -> record("m") != null && record("m").placed());
        String partition = record("m").partition();
        setSharing("m", "{\"enabled\":false}");
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            GenericKubernetesResource r = isvc("m").get();
            assertThat(r.getMetadata().getAnnotations()).doesNotContainKey(PlacementRecord.ANNOTATION);
            assertThat(r.getMetadata().getFinalizers()).doesNotContain(InferenceServices.FINALIZER);
            assertThat(predictor(r)).doesNotContainKey("nodeSelector");
            assertThat(limits(r)).doesNotContainKey("amd.com/cpx_nps4");
            assertThat(status(partition).getAllocatedBytes()).isZero();
        });
    }
}
