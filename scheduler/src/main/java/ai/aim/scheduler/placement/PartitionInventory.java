package ai.aim.scheduler.placement;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

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
    /** True for the reference mode: every decision scans every partition instead of using the index. */
    private final boolean fullScan;
    private final Map<String, Slot> slots = new HashMap<>();
    private final Map<String, Gpu> gpus = new HashMap<>();
    /** Slots by mode pair, indexed by free memory and GPU HIGH load; [compute ordinal][memory ordinal]. */
    private final Group[][] groups = new Group[ComputeMode.values().length][MemoryMode.values().length];
    private final Map<String, Slot> placedOn = new HashMap<>();
    private long version;

    public PartitionInventory() {
        this(new Placer());
    }

    public PartitionInventory(Placer placer) {
        this(placer, false);
    }

    private PartitionInventory(Placer placer, boolean fullScan) {
        this.placer = placer;
        this.fullScan = fullScan;
        for (ComputeMode c : ComputeMode.values()) {
            for (MemoryMode m : MemoryMode.values()) {
                groups[c.ordinal()][m.ordinal()] = new Group(c, m);
            }
        }
    }

    /**
     * The reference inventory: the same ledger, but every decision scans every partition of the
     * requested compute mode with {@link Placer} instead of asking the index. Same choices, O(n) per
     * decision; kept to measure the index against and to check it.
     */
    public static PartitionInventory fullScan(Placer placer) {
        return new PartitionInventory(placer, true);
    }

    // ---- partitions ----

    /** Adds a partition or updates its spec and availability, keeping its allocations. */
    public synchronized void upsert(Partition partition, boolean available) {
        version++;
        Slot existing = slots.get(partition.name());
        if (existing != null && existing.partition.equals(partition)) {
            setAvailable(existing, available);
            return;
        }
        List<Allocation> keep = List.of();
        if (existing != null) {
            keep = new ArrayList<>(existing.allocations);
            detach(existing);
        }
        Gpu gpu = gpus.computeIfAbsent(partition.physicalGpu(), k -> new Gpu());
        Slot slot = new Slot(partition, gpu, groups[partition.computeMode().ordinal()][partition.memoryMode().ordinal()]);
        slot.available = available;
        slots.put(partition.name(), slot);
        gpu.slots.add(slot);
        slot.group.total++;
        index(slot);
        for (Allocation a : keep) {
            allocate(slot, a);
        }
    }

    /** Marks every partition of a node available or not (node gone, cordoned, back). */
    public synchronized void setNodeAvailable(String node, boolean available) {
        version++;
        for (Slot s : slots.values()) {
            if (s.partition.node().equals(node)) {
                setAvailable(s, available);
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
        unindex(slot);
        slot.group.total--;
        slot.gpu.slots.remove(slot);
        if (slot.high != 0) {
            changeGpuHigh(slot.gpu, -slot.high);
        }
    }

    private void setAvailable(Slot slot, boolean available) {
        if (slot.available != available) {
            unindex(slot);
            slot.available = available;
            index(slot);
        }
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
        d.chosen().ifPresent(p -> allocate(slots.get(p.name()),
                new Allocation(request.model(), request.memoryBytes(), request.priority())));
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
        allocate(slot, new Allocation(model, memoryBytes, priority));
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
        List<Slot> sorted = new ArrayList<>(slots.values());
        sorted.sort(Comparator.comparing(Slot::orderKey));
        List<PartitionState> out = new ArrayList<>(sorted.size());
        for (Slot s : sorted) {
            out.add(s.snapshot());
        }
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
        for (Group[] row : groups) {
            for (Group g : row) {
                if ((computeMode == null || computeMode == g.compute) && (memoryMode == null || memoryMode == g.memory)) {
                    n += g.available.size() - g.available.countBelow(memoryBytes);
                }
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
        if (fullScan) {
            return decideByScan(request);
        }
        return decideIndexed(request);
    }

    private PlacementDecision decideByScan(PlacementRequest request) {
        if (request.computeMode() == null) {
            return placer.choose(request, slots.values(), 0);
        }
        List<Slot> scan = new ArrayList<>();
        for (Slot s : slots.values()) {
            if (s.partition.computeMode() == request.computeMode()) {
                scan.add(s);
            }
        }
        return placer.choose(request, scan, slots.size() - scan.size());
    }

    /**
     * The same decision as {@link Placer#place} over a snapshot of every partition, from the indexes:
     * per mode group one ceiling lookup (HIGH: in the least-loaded bucket that has a fit), counts
     * from group sizes and ranks, and at most the explain limit of rejections listed, taken in
     * filter order from sets known to be rejected.
     */
    private PlacementDecision decideIndexed(PlacementRequest request) {
        ComputeMode wantCompute = request.computeMode();
        MemoryMode wantMemory = request.memoryMode();
        long need = request.memoryBytes();
        boolean high = request.priority() == QosPriority.HIGH;
        int unavailable = 0;
        int computeMismatch = 0;
        int memoryMismatch = 0;
        int insufficient = 0;
        Slot best = null;
        for (Group[] row : groups) {
            for (Group g : row) {
                if (g.total == 0) {
                    continue;
                }
                unavailable += g.unavailable.size();
                if (wantCompute != null && wantCompute != g.compute) {
                    computeMismatch += g.available.size();
                    continue;
                }
                if (wantMemory != null && wantMemory != g.memory) {
                    memoryMismatch += g.available.size();
                    continue;
                }
                insufficient += g.available.countBelow(need);
                Slot candidate = high ? g.bestHigh(need) : g.available.ceiling(need);
                if (candidate != null && (best == null || Placer.better(candidate, best, need, high))) {
                    best = candidate;
                }
            }
        }
        EnumMap<Rejection.Reason, Integer> counts = new EnumMap<>(Rejection.Reason.class);
        putIfPositive(counts, Rejection.Reason.UNAVAILABLE, unavailable);
        putIfPositive(counts, Rejection.Reason.COMPUTE_MODE, computeMismatch);
        putIfPositive(counts, Rejection.Reason.MEMORY_MODE, memoryMismatch);
        putIfPositive(counts, Rejection.Reason.INSUFFICIENT_MEMORY, insufficient);
        List<Rejection> rejections = listRejections(request);
        if (best == null) {
            rejections.sort(Comparator.comparing(Rejection::partition));
            return new PlacementDecision(request, Optional.empty(), "no partition fits", rejections, counts);
        }
        Slot preferred = request.preferredPartition() == null ? null : slots.get(request.preferredPartition());
        if (preferred != null && Placer.filter(request, preferred) != null) {
            preferred = null;
        }
        Slot chosen = preferred != null ? preferred : best;
        return new PlacementDecision(request, Optional.of(chosen.partition),
                Placer.explain(request, chosen, preferred != null), rejections, counts);
    }

    private static void putIfPositive(EnumMap<Rejection.Reason, Integer> counts, Rejection.Reason reason, int n) {
        if (n > 0) {
            counts.put(reason, n);
        }
    }

    /** Up to the explain limit of concrete rejections, in filter order: unavailable, modes, memory. */
    private List<Rejection> listRejections(PlacementRequest request) {
        int limit = placer.explainLimit();
        List<Rejection> out = new ArrayList<>(Math.min(limit, 8));
        if (limit == 0) {
            return out;
        }
        for (Group[] row : groups) {
            for (Group g : row) {
                for (Slot s : g.unavailable) {
                    if (!addRejection(out, limit, request, s)) {
                        return out;
                    }
                }
            }
        }
        for (int pass = 0; pass < 3; pass++) {
            for (Group[] row : groups) {
                for (Group g : row) {
                    boolean computeOk = request.computeMode() == null || request.computeMode() == g.compute;
                    boolean memoryOk = request.memoryMode() == null || request.memoryMode() == g.memory;
                    boolean take = switch (pass) {
                        case 0 -> !computeOk;
                        case 1 -> computeOk && !memoryOk;
                        default -> computeOk && memoryOk;
                    };
                    if (!take) {
                        continue;
                    }
                    long below = pass == 2 ? request.memoryBytes() : Long.MAX_VALUE;
                    g.available.visitBelow(below, s -> addRejection(out, limit, request, s));
                    if (out.size() >= limit) {
                        return out;
                    }
                }
            }
        }
        return out;
    }

    /** Adds the rejection of {@code s}; false once the list is full. */
    private static boolean addRejection(List<Rejection> out, int limit, PlacementRequest request, Slot s) {
        if (out.size() >= limit) {
            return false;
        }
        Rejection.Reason reason = Placer.filter(request, s);
        out.add(Rejection.of(reason, request, s));
        return out.size() < limit;
    }

    private void allocate(Slot slot, Allocation a) {
        if (a.priority() == QosPriority.HIGH) {
            unindex(slot);
            slot.add(a);
            index(slot);
            changeGpuHigh(slot.gpu, 1);
        } else {
            unindex(slot);
            slot.add(a);
            index(slot);
        }
        placedOn.put(a.model(), slot);
    }

    private String releaseLocked(String model) {
        Slot s = placedOn.remove(model);
        if (s == null) {
            return null;
        }
        unindex(s);
        Allocation a = s.removeModel(model);
        index(s);
        if (a != null && a.priority() == QosPriority.HIGH) {
            changeGpuHigh(s.gpu, -1);
        }
        return s.partition.name();
    }

    /** Changes a GPU's HIGH count, moving its partitions to their new bucket. */
    private void changeGpuHigh(Gpu gpu, int delta) {
        for (Slot s : gpu.slots) {
            unindex(s);
        }
        gpu.high += delta;
        for (Slot s : gpu.slots) {
            index(s);
        }
    }

    private void index(Slot s) {
        if (s.indexed || slots.get(s.partition.name()) != s) {
            return;
        }
        s.indexed = true;
        Group g = s.group;
        if (!s.available) {
            g.unavailable.add(s);
            return;
        }
        g.available.add(s);
        g.byHigh.computeIfAbsent(s.gpu.high, h -> new FreeIndex<>(g.seed() * 1009 + h)).add(s);
    }

    private void unindex(Slot s) {
        if (!s.indexed) {
            return;
        }
        s.indexed = false;
        Group g = s.group;
        if (!s.available) {
            g.unavailable.remove(s);
            return;
        }
        g.available.remove(s);
        FreeIndex<Slot> bucket = g.byHigh.get(s.gpu.high);
        bucket.remove(s);
        if (bucket.isEmpty()) {
            g.byHigh.remove(s.gpu.high);
        }
    }

    /** HIGH models on one physical GPU, and its partitions (whose index keys depend on that count). */
    private static final class Gpu {
        final List<Slot> slots = new ArrayList<>(8);
        int high;
    }

    /**
     * The partitions of one (compute mode, memory mode) pair: the available ones ordered by free
     * bytes (best fit = ceiling), the same split into buckets by their GPU's HIGH count (spread =
     * lowest bucket with a fit), and the unavailable ones (only counted and listed).
     */
    private static final class Group {
        final ComputeMode compute;
        final MemoryMode memory;
        final FreeIndex<Slot> available;
        final TreeMap<Integer, FreeIndex<Slot>> byHigh = new TreeMap<>();
        final Set<Slot> unavailable = new TreeSet<>(Comparator.comparing(Slot::orderKey));
        int total;

        Group(ComputeMode compute, MemoryMode memory) {
            this.compute = compute;
            this.memory = memory;
            this.available = new FreeIndex<>(seed());
        }

        long seed() {
            return 31L * compute.ordinal() + memory.ordinal();
        }

        /** Least HIGH-loaded GPU with a fit, then best fit on it (see {@link Placer}). */
        Slot bestHigh(long need) {
            for (FreeIndex<Slot> bucket : byHigh.values()) {
                Slot s = bucket.ceiling(need);
                if (s != null) {
                    return s;
                }
            }
            return null;
        }
    }

    /** One partition's live state; guarded by the inventory's lock. */
    private static final class Slot implements Candidate {
        final Partition partition;
        final Gpu gpu;
        final Group group;
        final String orderKey;
        final List<Allocation> allocations = new ArrayList<>(2);
        long allocated;
        int high;
        boolean available = true;

        boolean indexed;

        Slot(Partition partition, Gpu gpu, Group group) {
            this.partition = partition;
            this.gpu = gpu;
            this.group = group;
            this.orderKey = Placer.orderKey(partition);
        }

        @Override
        public String orderKey() {
            return orderKey;
        }

        /** Adds an allocation; the caller keeps the indexes and the GPU's HIGH count right. */
        void add(Allocation a) {
            allocations.add(a);
            allocated += a.memoryBytes();
            if (a.priority() == QosPriority.HIGH) {
                high++;
            }
        }

        /** Removes a model's allocation and returns it (null if absent); the caller keeps the indexes right. */
        Allocation removeModel(String model) {
            for (int i = 0; i < allocations.size(); i++) {
                Allocation a = allocations.get(i);
                if (a.model().equals(model)) {
                    allocations.remove(i);
                    allocated -= a.memoryBytes();
                    if (a.priority() == QosPriority.HIGH) {
                        high--;
                    }
                    return a;
                }
            }
            return null;
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
