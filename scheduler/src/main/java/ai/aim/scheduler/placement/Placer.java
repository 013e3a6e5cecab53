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
 * Chooses a partition for a model. Pure and deterministic: the same request over the same
 * partitions always gives the same decision, whatever their order.
 *
 * <ol>
 *   <li>A pinned partition is the only candidate; if it does not exist or fails a filter, the model
 *       stays unplaced.</li>
 *   <li>Filters, in order: node available, compute mode, memory mode, free memory &gt;= request.</li>
 *   <li>A preferred partition that passes the filters wins.</li>
 *   <li>HIGH models go to the physical GPU with the fewest HIGH models (spread, so one GPU's
 *       trouble hits at most one of them), then best fit; other models go best fit (least memory
 *       left over), keeping large holes for large models.</li>
 *   <li>Ties: node, GPU id, partition id (numbers compared as numbers), then name.</li>
 * </ol>
 *
 * Stateless and thread-safe.
 */
public final class Placer {
    /** Rejections listed individually per decision; the rest are only counted. */
    public static final int DEFAULT_EXPLAIN_LIMIT = 32;

    private final int explainLimit;

    public Placer() {
        this(DEFAULT_EXPLAIN_LIMIT);
    }

    public Placer(int explainLimit) {
        if (explainLimit < 0) {
            throw new IllegalArgumentException("explainLimit: " + explainLimit + " (expected: >= 0)");
        }
        this.explainLimit = explainLimit;
    }

    /** Places {@code request} over a snapshot of partitions (nothing is allocated). */
    public PlacementDecision place(PlacementRequest request, Collection<PartitionState> partitions) {
        Map<String, Integer> highByGpu = new HashMap<>();
        for (PartitionState s : partitions) {
            int high = (int) s.highModels();
            if (high > 0) {
                highByGpu.merge(s.partition().physicalGpu(), high, Integer::sum);
            }
        }
        List<Candidate> candidates = new ArrayList<>(partitions.size());
        for (PartitionState s : partitions) {
            candidates.add(new SnapshotCandidate(s, highByGpu.getOrDefault(s.partition().physicalGpu(), 0)));
        }
        return choose(request, candidates, 0);
    }

    /**
     * The core: {@code candidates} is what to look at (for a pinned request, only the pinned one or
     * nothing); {@code skippedByMode} counts partitions the caller already excluded by mode.
     */
    PlacementDecision choose(PlacementRequest request, Iterable<? extends Candidate> candidates, int skippedByMode) {
        List<Rejection> rejections = new ArrayList<>();
        int[] rejected = new int[Rejection.Reason.values().length];
        rejected[Rejection.Reason.COMPUTE_MODE.ordinal()] = skippedByMode;
        boolean high = request.priority() == QosPriority.HIGH;
        String wanted = request.preferredPartition();
        long need = request.memoryBytes();
        Candidate best = null;
        Candidate preferred = null;
        int seen = 0;
        for (Candidate c : candidates) {
            seen++;
            Rejection.Reason reason = filter(request, c);
            if (reason != null) {
                rejected[reason.ordinal()]++;
                if (rejections.size() < explainLimit) {
                    rejections.add(new Rejection(c.partition().name(), reason, detail(reason, request, c)));
                }
                continue;
            }
            if (wanted != null && c.partition().name().equals(wanted)) {
                preferred = c;
            }
            if (best == null || better(c, best, need, high)) {
                best = c;
            }
        }
        EnumMap<Rejection.Reason, Integer> counts = new EnumMap<>(Rejection.Reason.class);
        for (Rejection.Reason r : Rejection.Reason.values()) {
            if (rejected[r.ordinal()] > 0) {
                counts.put(r, rejected[r.ordinal()]);
            }
        }
        if (request.pinnedPartition() != null && seen == 0) {
            return new PlacementDecision(request, Optional.empty(),
                    "pinned partition " + request.pinnedPartition() + " does not exist", rejections, counts);
        }
        if (best == null) {
            rejections.sort(Comparator.comparing(Rejection::partition));
            return new PlacementDecision(request, Optional.empty(), "no partition fits", rejections, counts);
        }
        Candidate chosen = preferred != null ? preferred : best;
        return new PlacementDecision(request, Optional.of(chosen.partition()), explain(request, chosen, preferred != null), rejections, counts);
    }

    private static Rejection.Reason filter(PlacementRequest r, Candidate c) {
        Partition p = c.partition();
        if (!c.available()) {
            return Rejection.Reason.UNAVAILABLE;
        }
        if (r.pinnedPartition() != null && !r.pinnedPartition().equals(p.name())) {
            return Rejection.Reason.NOT_PINNED;
        }
        if (r.computeMode() != null && r.computeMode() != p.computeMode()) {
            return Rejection.Reason.COMPUTE_MODE;
        }
        if (r.memoryMode() != null && r.memoryMode() != p.memoryMode()) {
            return Rejection.Reason.MEMORY_MODE;
        }
        if (c.freeBytes() < r.memoryBytes()) {
            return Rejection.Reason.INSUFFICIENT_MEMORY;
        }
        return null;
    }

    private static String detail(Rejection.Reason reason, PlacementRequest r, Candidate c) {
        Partition p = c.partition();
        return switch (reason) {
            case UNAVAILABLE -> "node " + p.node() + " is not available";
            case NOT_PINNED -> "not the pinned partition " + r.pinnedPartition();
            case COMPUTE_MODE -> "compute mode " + p.computeMode() + ", wanted " + r.computeMode();
            case MEMORY_MODE -> "memory mode " + p.memoryMode() + ", wanted " + r.memoryMode();
            case INSUFFICIENT_MEMORY -> c.freeBytes() + " bytes free, wanted " + r.memoryBytes();
        };
    }

    private static boolean better(Candidate a, Candidate b, long need, boolean high) {
        if (high && a.highOnGpu() != b.highOnGpu()) {
            return a.highOnGpu() < b.highOnGpu();
        }
        long leftA = a.freeBytes() - need;
        long leftB = b.freeBytes() - need;
        if (leftA != leftB) {
            return leftA < leftB;
        }
        return a.orderKey().compareTo(b.orderKey()) < 0;
    }

    /**
     * A string whose natural order is {@link #ORDER}: node, GPU id, partition id (all-digit fields
     * zero-padded so numbers compare as numbers), name. Computed once per partition so that the
     * many ties between empty partitions cost one string comparison each.
     */
    static String orderKey(Partition p) {
        return pad(p.node()) + '\u0000' + pad(p.gpuId()) + '\u0000' + pad(p.partitionId()) + '\u0000' + p.name();
    }

    private static String pad(String s) {
        if (!isDigits(s)) {
            return s;
        }
        String digits = stripZeros(s);
        return digits.length() >= 19 ? digits : "0".repeat(19 - digits.length()) + digits;
    }

    private static String explain(PlacementRequest r, Candidate c, boolean preferred) {
        Partition p = c.partition();
        String where = p.name() + " (node " + p.node() + ", gpu " + p.gpuId() + ", partition " + p.partitionId() + ")";
        long left = c.freeBytes() - r.memoryBytes();
        if (r.pinnedPartition() != null) {
            return "pinned partition " + where + "; " + left + " bytes left";
        }
        if (preferred) {
            return "preferred partition " + where + "; " + left + " bytes left";
        }
        if (r.priority() == QosPriority.HIGH) {
            return "HIGH spread: " + where + " whose GPU holds " + c.highOnGpu() + " HIGH models; " + left + " bytes left";
        }
        return "best fit " + where + "; " + left + " bytes left";
    }

    /** Deterministic partition order: node, GPU id, partition id (numbers as numbers), name. */
    public static final Comparator<Partition> ORDER = Comparator
            .comparing(Partition::node, Placer::natural)
            .thenComparing(Partition::gpuId, Placer::natural)
            .thenComparing(Partition::partitionId, Placer::natural)
            .thenComparing(Partition::name);

    static int natural(String a, String b) {
        boolean na = isDigits(a);
        boolean nb = isDigits(b);
        if (na && nb) {
            int byLength = Integer.compare(stripZeros(a).length(), stripZeros(b).length());
            return byLength != 0 ? byLength : stripZeros(a).compareTo(stripZeros(b));
        }
        return a.compareTo(b);
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static String stripZeros(String s) {
        int i = 0;
        while (i < s.length() - 1 && s.charAt(i) == '0') {
            i++;
        }
        return s.substring(i);
    }

    private record SnapshotCandidate(PartitionState state, int highOnGpu, String orderKey) implements Candidate {
        SnapshotCandidate(PartitionState state, int highOnGpu) {
            this(state, highOnGpu, Placer.orderKey(state.partition()));
        }

        @Override
        public Partition partition() {
            return state.partition();
        }

        @Override
        public long freeBytes() {
            return state.freeBytes();
        }

        @Override
        public boolean available() {
            return state.available();
        }
    }
}
