package ai.aim.scheduler.k8s;

import ai.aim.scheduler.Leadership;
import ai.aim.scheduler.placement.Allocation;
import ai.aim.scheduler.placement.ComputeMode;
import ai.aim.scheduler.placement.MemoryMode;
import ai.aim.scheduler.placement.Partition;
import ai.aim.scheduler.placement.PartitionInventory;
import ai.aim.scheduler.placement.PartitionState;
import ai.aim.scheduler.placement.PlacementDecision;
import ai.aim.scheduler.placement.QosPriority;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles InferenceServices that opt in to GPU sharing onto GpuPartitions.
 *
 * <p>Every replica runs the informers (Nodes, GpuPartitions, InferenceServices) and keeps the
 * partition inventory current, so any replica can answer inventory questions. Only the leader
 * writes: it discovers partitions from nodes, places models (finalizer {@code aim.ai/placement},
 * annotation {@code aim.ai/placement}, predictor steering, status condition, Events), writes
 * GpuPartition status and frees allocations on delete. A follower mirrors allocations from the
 * GpuPartition status the leader wrote. A new leader rebuilds allocations from the placement
 * annotations before placing anything new.
 *
 * <p>Threading: informer callbacks only enqueue keys; all reconcile state lives on the
 * {@link WorkQueue}'s single worker thread.
 */
public final class PlacementController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PlacementController.class);

    /** Controller settings. */
    public record Settings(String schedulerId, boolean discovery, long defaultGpuMemoryBytes, Duration retryBase, Duration retryMax) {
        public static Settings defaults(String schedulerId) {
            return new Settings(schedulerId, true, 192L << 30, Duration.ofMillis(500), Duration.ofSeconds(60));
        }
    }

    private final KubernetesClient client;
    private final PartitionInventory inventory;
    private final Leadership leadership;
    private final Settings settings;
    private final MeterRegistry registry;
    private final GpuSharingParser parser = new GpuSharingParser();
    private final KubeEvents events;
    private final WorkQueue queue;
    private final PartitionGauges gauges;
    private final List<SharedIndexInformer<?>> informers = new ArrayList<>();
    private SharedIndexInformer<Node> nodes;
    private SharedIndexInformer<GpuPartition> partitions;
    private SharedIndexInformer<GenericKubernetesResource> services;

    // Worker thread only.
    private boolean leading;
    private final Set<String> unplaced = new HashSet<>();

    public PlacementController(KubernetesClient client, PartitionInventory inventory, Leadership leadership,
            MeterRegistry registry, Settings settings) {
        this.client = client;
        this.inventory = inventory;
        this.leadership = leadership;
        this.settings = settings;
        this.registry = registry;
        this.events = new KubeEvents(client, settings.schedulerId());
        this.queue = new WorkQueue("aim-placement-" + settings.schedulerId(), this::handle, settings.retryBase(), settings.retryMax());
        this.gauges = new PartitionGauges(inventory, registry);
    }

    /** Starts the informers, waits for their first list, then follows the leadership. */
    public PlacementController start() {
        nodes = inform(client.nodes().runnableInformer(0), n -> "node:" + n.getMetadata().getName());
        partitions = inform(client.resources(GpuPartition.class).runnableInformer(0), p -> "partition:" + p.getMetadata().getName());
        services = inform(client.genericKubernetesResources(InferenceServices.CONTEXT).inAnyNamespace().runnableInformer(0),
                s -> "isvc:" + s.getMetadata().getNamespace() + "/" + s.getMetadata().getName());
        for (SharedIndexInformer<?> i : informers) {
            try {
                i.start().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("informer did not sync: " + e, e);
            }
        }
        leadership.addListener(l -> queue.run(() -> onLeadership(l)));
        return this;
    }

    private <T extends HasMetadata> SharedIndexInformer<T> inform(SharedIndexInformer<T> informer, java.util.function.Function<T, String> key) {
        informer.exceptionHandler((started, t) -> {
            log.warn("informer error (retrying): {}", t.toString());
            return true;
        });
        informer.addEventHandler(new ResourceEventHandler<T>() {
            @Override
            public void onAdd(T obj) {
                queue.add(key.apply(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                queue.add(key.apply(newObj));
            }

            @Override
            public void onDelete(T obj, boolean unknownFinalState) {
                queue.add(key.apply(obj));
            }
        });
        informers.add(informer);
        return informer;
    }

    @Override
    public void close() {
        queue.close();
        for (SharedIndexInformer<?> i : informers) {
            i.close();
        }
    }

    // ---- worker thread ----

    private boolean handle(String key) {
        int colon = key.indexOf(':');
        String kind = key.substring(0, colon);
        String name = key.substring(colon + 1);
        try {
            return switch (kind) {
                case "node" -> reconcileNode(name);
                case "partition" -> reconcilePartition(name);
                case "isvc" -> reconcileService(name);
                default -> true;
            };
        } finally {
            gauges.sync();
        }
    }

    private void onLeadership(boolean now) {
        leading = now;
        if (!now) {
            return;
        }
        // Rebuild allocations from the placement annotations, the source of truth, before
        // anything new is placed, so that no recorded promise is given away twice.
        for (PartitionState s : inventory.partitions()) {
            for (Allocation a : s.allocations()) {
                inventory.release(a.model());
            }
        }
        unplaced.clear();
        for (GenericKubernetesResource s : services.getStore().list()) {
            PlacementRecord.parse(annotation(s, PlacementRecord.ANNOTATION)).ifPresent(r -> {
                if (r.partition() != null && r.memoryBytes() != null) {
                    QosPriority p = Optional.ofNullable(QosPriority.parseOrNull(r.priority())).orElse(QosPriority.MEDIUM);
                    inventory.restore(modelKey(s), r.partition(), r.memoryBytes(), p);
                }
            });
        }
        nodes.getStore().list().forEach(n -> queue.add("node:" + n.getMetadata().getName()));
        partitions.getStore().list().forEach(p -> queue.add("partition:" + p.getMetadata().getName()));
        services.getStore().list().forEach(s -> queue.add("isvc:" + modelKey(s)));
    }

    // ---- nodes ----

    private boolean reconcileNode(String name) {
        Node node = nodes.getStore().getByKey(name);
        boolean available = nodeAvailable(name);
        inventory.setNodeAvailable(name, available);
        if (!leading) {
            return true;
        }
        if (!available) {
            for (String model : inventory.modelsOnNode(name)) {
                queue.add("isvc:" + model);
            }
        }
        if (settings.discovery()) {
            syncDiscovered(name, node);
        }
        if (available) {
            retryUnplaced();
        }
        return true;
    }

    private boolean nodeAvailable(String name) {
        Node n = nodes.getStore().getByKey(name);
        return n != null && (n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable()));
    }

    private void syncDiscovered(String nodeName, Node node) {
        Map<String, PartitionDiscovery.Discovered> desired = new LinkedHashMap<>();
        if (node != null) {
            Map<String, String> allocatable = new HashMap<>();
            if (node.getStatus() != null && node.getStatus().getAllocatable() != null) {
                node.getStatus().getAllocatable().forEach((k, q) -> allocatable.put(k, q.getAmount()));
            }
            Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
            for (var d : PartitionDiscovery.discover(nodeName, labels, allocatable, settings.defaultGpuMemoryBytes())) {
                desired.put(d.name(), d);
            }
        }
        for (GpuPartition existing : partitions.getStore().list()) {
            Map<String, String> labels = existing.getMetadata().getLabels();
            if (labels == null || !nodeName.equals(labels.get(GpuPartition.DISCOVERED_LABEL))) {
                continue;
            }
            PartitionDiscovery.Discovered want = desired.remove(existing.getMetadata().getName());
            if (want == null) {
                client.resources(GpuPartition.class).withName(existing.getMetadata().getName()).delete();
                count("discover", "deleted");
            } else if (!want.spec().equals(existing.getSpec())) {
                client.resources(GpuPartition.class).withName(existing.getMetadata().getName())
                        .edit(g -> {
                            g.setSpec(want.spec());
                            return g;
                        });
                count("discover", "updated");
            }
        }
        for (PartitionDiscovery.Discovered d : desired.values()) {
            if (partitions.getStore().getByKey(d.name()) != null) {
                continue; // an administrator's partition of the same name wins
            }
            GpuPartition gp = new GpuPartition();
            gp.setMetadata(new ObjectMetaBuilder().withName(d.name()).addToLabels(GpuPartition.DISCOVERED_LABEL, nodeName).build());
            gp.setSpec(d.spec());
            client.resources(GpuPartition.class).resource(gp).createOr(NonDeletingOperation::update);
            count("discover", "created");
        }
    }

    // ---- partitions ----

    private boolean reconcilePartition(String name) {
        GpuPartition gp = partitions.getStore().getByKey(name);
        if (gp == null) {
            List<Allocation> displaced = inventory.remove(name);
            if (leading) {
                for (Allocation a : displaced) {
                    queue.add("isvc:" + a.model());
                }
            }
            return true;
        }
        Partition p = toPartition(gp);
        if (p == null) {
            inventory.remove(name);
            log.warn("GpuPartition {} has an incomplete or invalid spec; ignored", name);
            return true;
        }
        inventory.upsert(p, nodeAvailable(p.node()));
        if (!leading) {
            mirrorStatus(gp);
            return true;
        }
        writeStatus(name);
        retryUnplaced();
        return true;
    }

    static Partition toPartition(GpuPartition gp) {
        GpuPartitionSpec s = gp.getSpec();
        if (s == null || s.getNode() == null || s.getGpuId() == null || s.getPartitionId() == null
                || s.getMemoryTotalBytes() == null || s.getResourceName() == null) {
            return null;
        }
        ComputeMode c = ComputeMode.parseOrNull(s.getComputeMode());
        MemoryMode m = MemoryMode.parseOrNull(s.getMemoryMode());
        if (c == null || m == null || s.getMemoryTotalBytes() < 0) {
            return null;
        }
        return new Partition(gp.getMetadata().getName(), s.getNode(), s.getGpuId(), s.getPartitionId(), c, m,
                s.getMemoryTotalBytes(), s.getResourceName());
    }

    /** Follower: take the leader's allocations from the status. */
    private void mirrorStatus(GpuPartition gp) {
        String name = gp.getMetadata().getName();
        Set<String> inStatus = new HashSet<>();
        if (gp.getStatus() != null && gp.getStatus().getModels() != null) {
            for (var m : gp.getStatus().getModels()) {
                inStatus.add(m.getName());
                QosPriority prio = Optional.ofNullable(QosPriority.parseOrNull(m.getPriority())).orElse(QosPriority.MEDIUM);
                if (inventory.allocationOf(m.getName()).map(a -> a.memoryBytes() != m.getMemoryBytes()).orElse(true)
                        || !inventory.placementOf(m.getName()).map(s -> s.partition().name().equals(name)).orElse(false)) {
                    inventory.restore(m.getName(), name, m.getMemoryBytes() == null ? 0 : m.getMemoryBytes(), prio);
                }
            }
        }
        inventory.partition(name).ifPresent(s -> s.allocations().stream()
                .filter(a -> !inStatus.contains(a.model())).forEach(a -> inventory.release(a.model())));
    }

    private void writeStatus(String name) {
        Optional<PartitionState> state = inventory.partition(name);
        GpuPartition cached = partitions.getStore().getByKey(name);
        if (state.isEmpty() || cached == null) {
            return;
        }
        GpuPartitionStatus want = new GpuPartitionStatus();
        want.setAllocatedBytes(state.get().allocatedBytes());
        List<GpuPartitionStatus.PlacedModel> models = new ArrayList<>();
        for (Allocation a : state.get().allocations()) {
            models.add(new GpuPartitionStatus.PlacedModel(a.model(), a.memoryBytes(), a.priority().label()));
        }
        models.sort(Comparator.comparing(GpuPartitionStatus.PlacedModel::getName));
        want.setModels(models);
        if (want.equals(cached.getStatus())) {
            return;
        }
        client.resources(GpuPartition.class).withName(name).editStatus(g -> {
            g.setStatus(want);
            return g;
        });
        count("status_update", "success");
    }

    // ---- inference services ----

    private boolean reconcileService(String key) {
        if (!leading) {
            return true;
        }
        GenericKubernetesResource isvc = services.getStore().getByKey(key);
        if (isvc == null) {
            release(key);
            return true;
        }
        PlacementRecord recorded = PlacementRecord.parse(annotation(isvc, PlacementRecord.ANNOTATION)).orElse(null);
        if (isvc.getMetadata().getDeletionTimestamp() != null) {
            Optional<String> freed = release(key);
            if (hasFinalizer(isvc)) {
                edit(isvc, r -> r.getMetadata().getFinalizers().remove(InferenceServices.FINALIZER));
            }
            freed.ifPresent(p -> {
                events.normal(isvc, "Unplaced", "deleted; freed its allocation on " + p);
                count("unplace", "success");
            });
            return true;
        }
        String raw = annotation(isvc, GpuSharingParser.ANNOTATION);
        if (raw == null) {
            optOut(isvc, recorded, "the aim.ai/gpu-sharing annotation was removed");
            return true;
        }
        GpuSharingParser.Result parsed = parser.parse(raw);
        if (!parsed.valid()) {
            invalid(isvc, recorded, parsed);
            return true;
        }
        GpuSharingConfig config = parsed.config();
        if (!config.enabled()) {
            optOut(isvc, recorded, "GPU sharing disabled");
            return true;
        }
        return place(isvc, key, recorded, config);
    }

    private boolean place(GenericKubernetesResource isvc, String model, PlacementRecord recorded, GpuSharingConfig config) {
        String hash = Integer.toHexString(config.toString().hashCode());
        Optional<PartitionState> current = inventory.placementOf(model);
        if (current.isPresent() && current.get().available() && recorded != null && recorded.placed()
                && hash.equals(recorded.config()) && current.get().partition().name().equals(recorded.partition())) {
            ensureSteered(isvc, current.get().partition(), recorded);
            writeStatus(current.get().partition().name());
            return true;
        }
        Optional<Allocation> before = inventory.allocationOf(model);
        String previous = current.map(s -> s.partition().name()).orElse(null);
        boolean previousUsable = current.map(PartitionState::available).orElse(false);
        PlacementDecision d = inventory.place(config.toRequest(model));
        if (!d.placed()) {
            if (previousUsable && before.isPresent()) {
                // Keep what runs: a changed request that fits nowhere does not evict the model.
                inventory.restore(model, previous, before.get().memoryBytes(), before.get().priority());
            } else if (previous != null) {
                writeStatus(previous);
            }
            unplaced.add(model);
            count("place", "unschedulable");
            String message = d.summary();
            PlacementRecord rec = withState(recorded, PlacementRecord.UNSCHEDULABLE, null, message);
            if (recorded == null || !Objects.equals(recorded.state(), rec.state()) || !Objects.equals(recorded.message(), message)) {
                events.warning(isvc, "PlacementFailed", message);
                edit(isvc, r -> {
                    addFinalizer(r);
                    annotations(r).put(PlacementRecord.ANNOTATION, rec.toJson());
                });
                condition(isvc, false, "Unschedulable", message);
            }
            return false;
        }
        Partition p = d.chosen().orElseThrow();
        PlacementRecord rec = new PlacementRecord(PlacementRecord.PLACED, p.name(), p.node(), p.gpuId(), p.partitionId(),
                p.resourceName(), config.memoryBytes(), config.qosPriority().label(), hash, null, d.explanation(), settings.schedulerId());
        String[] note = new String[1];
        edit(isvc, r -> {
            addFinalizer(r);
            annotations(r).put(PlacementRecord.ANNOTATION, rec.toJson());
            note[0] = InferenceServices.steer(r, p.node(), p.resourceName(), recorded == null ? null : recorded.resourceName());
        });
        unplaced.remove(model);
        boolean moved = recorded != null && recorded.partition() != null && !recorded.partition().equals(p.name());
        events.normal(isvc, moved ? "Moved" : "Placed", (moved ? "moved from " + recorded.partition() + " to " : "")
                + d.explanation() + (note[0] == null ? "" : "; " + note[0]));
        count(moved ? "move" : "place", "success");
        condition(isvc, true, "Placed", d.explanation());
        writeStatus(p.name());
        if (previous != null && !previous.equals(p.name())) {
            writeStatus(previous);
            retryUnplaced();
        }
        return true;
    }

    private void ensureSteered(GenericKubernetesResource isvc, Partition p, PlacementRecord recorded) {
        if (p.node().equals(InferenceServices.steeredNode(isvc)) && hasFinalizer(isvc)
                && (InferenceServices.steeredLimit(isvc, p.resourceName()) != null || !hasContainer(isvc))) {
            return;
        }
        edit(isvc, r -> {
            addFinalizer(r);
            InferenceServices.steer(r, p.node(), p.resourceName(), recorded.resourceName());
        });
        count("steer", "success");
    }

    private void invalid(GenericKubernetesResource isvc, PlacementRecord recorded, GpuSharingParser.Result parsed) {
        String message = "aim.ai/gpu-sharing is invalid at field '" + parsed.field() + "': " + parsed.message();
        if (recorded != null && PlacementRecord.INVALID.equals(recorded.state()) && message.equals(recorded.message())) {
            return; // already reported
        }
        count("validate", "invalid");
        events.warning(isvc, "InvalidGpuSharing", message);
        PlacementRecord rec = withState(recorded, PlacementRecord.INVALID, parsed.field(), message);
        edit(isvc, r -> annotations(r).put(PlacementRecord.ANNOTATION, rec.toJson()));
        condition(isvc, false, "InvalidGpuSharing", message);
    }

    private void optOut(GenericKubernetesResource isvc, PlacementRecord recorded, String why) {
        String model = modelKey(isvc);
        Optional<String> freed = release(model);
        unplaced.remove(model);
        if (recorded == null && !hasFinalizer(isvc)) {
            return;
        }
        edit(isvc, r -> {
            if (r.getMetadata().getFinalizers() != null) {
                r.getMetadata().getFinalizers().remove(InferenceServices.FINALIZER);
            }
            annotations(r).remove(PlacementRecord.ANNOTATION);
            if (recorded != null) {
                InferenceServices.unsteer(r, recorded.node(), recorded.resourceName());
            }
        });
        freed.ifPresent(p -> {
            events.normal(isvc, "Unplaced", why + "; freed its allocation on " + p);
            count("unplace", "success");
        });
    }

    private Optional<String> release(String model) {
        Optional<String> freed = inventory.release(model);
        unplaced.remove(model);
        freed.ifPresent(p -> {
            writeStatus(p);
            retryUnplaced();
        });
        return freed;
    }

    private void retryUnplaced() {
        for (String m : unplaced) {
            queue.add("isvc:" + m);
        }
    }

    private void condition(GenericKubernetesResource isvc, boolean ok, String reason, String message) {
        try {
            client.genericKubernetesResources(InferenceServices.CONTEXT).inNamespace(isvc.getMetadata().getNamespace())
                    .withName(isvc.getMetadata().getName())
                    .editStatus(r -> {
                        InferenceServices.setCondition(r, ok, reason, message, Instant.now().toString());
                        return r;
                    });
        } catch (RuntimeException e) {
            // The annotation carries the same information; a status write can lose to KServe's own.
            log.debug("status condition on {} not written: {}", modelKey(isvc), e.toString());
        }
    }

    private void edit(GenericKubernetesResource isvc, Consumer<GenericKubernetesResource> change) {
        client.genericKubernetesResources(InferenceServices.CONTEXT).inNamespace(isvc.getMetadata().getNamespace())
                .withName(isvc.getMetadata().getName())
                .edit(r -> {
                    change.accept(r);
                    return r;
                });
    }

    private static PlacementRecord withState(PlacementRecord r, String state, String field, String message) {
        if (r == null) {
            return new PlacementRecord(state, null, null, null, null, null, null, null, null, field, message, null);
        }
        return new PlacementRecord(state, r.partition(), r.node(), r.gpuId(), r.partitionId(), r.resourceName(),
                r.memoryBytes(), r.priority(), r.config(), field, message, r.by());
    }

    private static boolean hasFinalizer(HasMetadata r) {
        return r.getMetadata().getFinalizers() != null && r.getMetadata().getFinalizers().contains(InferenceServices.FINALIZER);
    }

    private static void addFinalizer(HasMetadata r) {
        if (!hasFinalizer(r)) {
            List<String> f = r.getMetadata().getFinalizers() == null ? new ArrayList<>() : new ArrayList<>(r.getMetadata().getFinalizers());
            f.add(InferenceServices.FINALIZER);
            r.getMetadata().setFinalizers(f);
        }
    }

    private static boolean hasContainer(GenericKubernetesResource isvc) {
        return isvc.getAdditionalProperties().get("spec") instanceof Map<?, ?> s && s.get("predictor") instanceof Map<?, ?> p
                && (p.get("model") instanceof Map<?, ?> || p.get("containers") instanceof List<?> l && !l.isEmpty());
    }

    private static Map<String, String> annotations(HasMetadata r) {
        if (r.getMetadata().getAnnotations() == null) {
            r.getMetadata().setAnnotations(new LinkedHashMap<>());
        }
        return r.getMetadata().getAnnotations();
    }

    private static String annotation(HasMetadata r, String key) {
        return r.getMetadata().getAnnotations() == null ? null : r.getMetadata().getAnnotations().get(key);
    }

    static String modelKey(HasMetadata r) {
        return r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
    }

    private void count(String operation, String result) {
        registry.counter("aim_scheduler_operations", "operation", operation, "result", result).increment();
    }
}
