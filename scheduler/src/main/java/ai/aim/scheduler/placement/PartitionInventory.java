package ai.aim.scheduler.placement;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scheduler's ledger of GPU partitions and the memory promised on each: partitions come and go
 * (from GpuPartition resources), models are placed, restored (after a restart, from their recorded
 * placement) and released. Placement decisions are made by {@link Placer} over the live slots and
 * the allocation is taken in the same step, so two decisions never promise the same bytes.
 *
 * <p>Threading: every method is {@code synchronized}; the controller's worker thread writes, other
 * threads read snapshots. No method calls out while holding the lock.
 *
 * <p>Invariant: a model has at most one allocation; an allocation's partition exists in the ledger
 * (removing a partition returns its allocations, which are then unplaced).
 */
public final class PartitionInventory implements InventoryView {
    private final Placer placer;
    private final Map<String, Slot> slots = new HashMap<>();
    private final Map<String, Gpu> gpus = new HashMap<>();
    /** Slots by mode pair, for scanning only what can match. */
    private final Map<ComputeMode, Map<MemoryMode, List<Slot>>> byMode = new EnumMap<>(ComputeMode.class);
    private final Map<String, Slot> placedOn = new HashMap<>();
    private long version;

    public PartitionInventory() {
        this(new Placer());
    }

    public PartitionInventory(Placer placer) {
        this.placer = placer;
    }

    // ---- partitions ----

    /** Adds a partition or updates its spec and availability, keeping its allocations. */
    public synchronized void upsert(Partition partition, boolean available) {
        version++;
        Slot existing = slots.get(partition.name());
        if (existing != null && existing.partition.equals(partition)) {
            existing.available = available;
            return;
        }
        List<Allocation> keep = List.of();
        if (existing != null) {
            keep = new ArrayList<>(existing.allocations);
            detach(existing);
        }
        Slot slot = new Slot(partition, gpus.computeIfAbsent(partition.physicalGpu(), k -> new Gpu()));
        slot.available = available;
        slots.put(partition.name(), slot);
        byMode.computeIfAbsent(partition.computeMode(), k -> new EnumMap<>(MemoryMode.class))
                .computeIfAbsent(partition.memoryMode(), k -> new ArrayList<>()).add(slot);
        for (Allocation a : keep) {
            slot.add(a);
            placedOn.put(a.model(), slot);
        }
    }

    /** Marks every partition of a node available or not (node gone, cordoned, back). */
    public synchronized void setNodeAvailable(String node, boolean available) {
        version++;
        for (Slot s : slots.values()) {
            if (s.partition.node().equals(node)) {
                s.available = available;
            }
        }
    }

    /** Removes a partition; returns the allocations it held, now unplaced. */
    public synchronized List<Allocation> remove(String partitionName) {
        version++;
        Slot slot = slots.get(partitionName);
        if (slot == null) {
            return List.of();
        }
        detach(slot);
        for (Allocation a : slot.allocations) {
            placedOn.remove(a.model());
        }
        return List.copyOf(slot.allocations);
    }

    private void detach(Slot slot) {
        slots.remove(slot.partition.name());
        byMode.get(slot.partition.computeMode()).get(slot.partition.memoryMode()).remove(slot);
        slot.gpu.high -= slot.high;
    }

    // ---- models ----

    /**
     * Places a model and takes the allocation. A model already placed is released first (a move);
     * if nothing fits it stays unplaced.
     */
    public synchronized PlacementDecision place(PlacementRequest request) {
        version++;
        releaseLocked(request.model());
        PlacementDecision d = decide(request);
        d.chosen().ifPresent(p -> allocate(slots.get(p.name()), request));
        return d;
    }

    /** What {@link #place} would decide now, without allocating (the current allocation counts). */
    public synchronized PlacementDecision preview(PlacementRequest request) {
        return decide(request);
    }

    /**
     * Re-takes a recorded allocation (after a restart or leader change) without deciding anything.
     * Returns false if the partition is unknown; replaces an earlier allocation of the model.
     */
    public synchronized boolean restore(String model, String partitionName, long memoryBytes, QosPriority priority) {
        version++;
        Slot slot = slots.get(partitionName);
        if (slot == null) {
            return false;
        }
        releaseLocked(model);
        allocate(slot, new PlacementRequest(model, null, null, memoryBytes, null, null, priority));
        return true;
    }

    /** Frees a model's allocation; returns the partition it was on. */
    public synchronized Optional<String> release(String model) {
        version++;
        return Optional.ofNullable(releaseLocked(model));
    }

    /** Places many requests in a deterministic order: HIGH first, then larger first, then by name. */
    public synchronized List<PlacementDecision> placeAll(Collection<PlacementRequest> requests) {
        List<PlacementRequest> ordered = new ArrayList<>(requests);
        ordered.sort(Comparator.comparing(PlacementRequest::priority)
                .thenComparing(Comparator.comparingLong(PlacementRequest::memoryBytes).reversed())
                .thenComparing(PlacementRequest::model));
        List<PlacementDecision> out = new ArrayList<>(ordered.size());
        for (PlacementRequest r : ordered) {
            out.add(place(r));
        }
        return out;
    }

    // ---- views ----

    /** Changes with every mutation; lets readers skip work when nothing changed. */
    public synchronized long version() {
        return version;
    }

    @Override
    public synchronized List<PartitionState> partitions() {
        List<PartitionState> out = new ArrayList<>(slots.size());
        for (Slot s : slots.values()) {
            out.add(s.snapshot());
        }
        out.sort(Comparator.comparing(PartitionState::partition, Placer.ORDER));
        return out;
    }

    @Override
    public synchronized Optional<PartitionState> partition(String name) {
        Slot s = slots.get(name);
        return s == null ? Optional.empty() : Optional.of(s.snapshot());
    }

    @Override
    public synchronized Optional<PartitionState> placementOf(String model) {
        Slot s = placedOn.get(model);
        return s == null ? Optional.empty() : Optional.of(s.snapshot());
    }

    /** The allocation of a model, if placed. */
    public synchronized Optional<Allocation> allocationOf(String model) {
        Slot s = placedOn.get(model);
        if (s == null) {
            return Optional.empty();
        }
        return s.allocations.stream().filter(a -> a.model().equals(model)).findFirst();
    }

    /** Models placed on any partition of a node. */
    public synchronized List<String> modelsOnNode(String node) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Slot> e : placedOn.entrySet()) {
            if (e.getValue().partition.node().equals(node)) {
                out.add(e.getKey());
            }
        }
        out.sort(null);
        return out;
    }

    @Override
    public synchronized int countPlaceable(ComputeMode computeMode, MemoryMode memoryMode, long memoryBytes) {
        int n = 0;
        for (Slot s : slots.values()) {
            if (s.available && (computeMode == null || computeMode == s.partition.computeMode())
                    && (memoryMode == null || memoryMode == s.partition.memoryMode()) && s.freeBytes() >= memoryBytes) {
                n++;
            }
        }
        return n;
    }

    // ---- internals ----

    private PlacementDecision decide(PlacementRequest request) {
        if (request.pinnedPartition() != null) {
            Slot pinned = slots.get(request.pinnedPartition());
            return placer.choose(request, pinned == null ? List.of() : List.of(pinned), 0);
        }
        if (request.computeMode() == null) {
            return placer.choose(request, slots.values(), 0);
        }
        Map<MemoryMode, List<Slot>> sameCompute = byMode.getOrDefault(request.computeMode(), Map.of());
        List<Slot> scan = new ArrayList<>();
        for (List<Slot> group : sameCompute.values()) {
            scan.addAll(group);
        }
        return placer.choose(request, scan, slots.size() - scan.size());
    }

    private void allocate(Slot slot, PlacementRequest r) {
        slot.add(new Allocation(r.model(), r.memoryBytes(), r.priority()));
        placedOn.put(r.model(), slot);
    }

    private String releaseLocked(String model) {
        Slot s = placedOn.remove(model);
        if (s == null) {
            return null;
        }
        s.removeModel(model);
        return s.partition.name();
    }

    /** HIGH models on one physical GPU. */
    private static final class Gpu {
        int high;
    }

    /** One partition's live state; guarded by the inventory's lock. */
    private static final class Slot implements Candidate {
        final Partition partition;
        final Gpu gpu;
        final String orderKey;
        final List<Allocation> allocations = new ArrayList<>(2);
        long allocated;
        int high;
        boolean available = true;

        Slot(Partition partition, Gpu gpu) {
            this.partition = partition;
            this.gpu = gpu;
            this.orderKey = Placer.orderKey(partition);
        }

        @Override
        public String orderKey() {
            return orderKey;
        }

        void add(Allocation a) {
            allocations.add(a);
            allocated += a.memoryBytes();
            if (a.priority() == QosPriority.HIGH) {
                high++;
                gpu.high++;
            }
        }

        void removeModel(String model) {
            for (int i = 0; i < allocations.size(); i++) {
                Allocation a = allocations.get(i);
                if (a.model().equals(model)) {
                    allocations.remove(i);
                    allocated -= a.memoryBytes();
                    if (a.priority() == QosPriority.HIGH) {
                        high--;
                        gpu.high--;
                    }
                    return;
                }
            }
        }

        PartitionState snapshot() {
            return new PartitionState(partition, allocations, available);
        }

        @Override
        public Partition partition() {
            return partition;
        }

        @Override
        public long freeBytes() {
            return Math.max(0, partition.memoryTotalBytes() - allocated);
        }

        @Override
        public boolean available() {
            return available;
        }

        @Override
        public int highOnGpu() {
            return gpu.high;
        }
    }
}
