package ai.aim.bench.scheduler;

import ai.aim.scheduler.placement.ComputeMode;
import ai.aim.scheduler.placement.MemoryMode;
import ai.aim.scheduler.placement.Partition;
import ai.aim.scheduler.placement.PartitionInventory;
import ai.aim.scheduler.placement.PlacementDecision;
import ai.aim.scheduler.placement.PlacementRequest;
import ai.aim.scheduler.placement.QosPriority;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Places many models onto a large synthetic fleet with {@link PartitionInventory#placeAll} (best
 * fit, HIGH spread, explanations) and, as the baseline, with a plain first-fit scan over the same
 * partitions. Seeded, so every run places the same requests. Single-threaded.
 */
final class PlacementScale {
    private static final long GIB = 1L << 30;

    record Fleet(List<Partition> partitions, String description) {
    }

    /**
     * {@code nodes} nodes of {@code gpus} GPUs; every {@code cpxEvery}-th node runs its GPUs in
     * CPX/NPS4 (8 partitions of 24 GiB per GPU), the others in SPX/NPS1 (one 192 GiB partition).
     * With {@code cpxGpusPerNode} the CPX nodes split only that many GPUs.
     */
    static Fleet fleet(int nodes, int gpus, int cpxEvery, int cpxGpusPerNode) {
        List<Partition> out = new ArrayList<>();
        int cpxNodes = 0;
        for (int n = 0; n < nodes; n++) {
            String node = "node-" + n;
            boolean cpx = cpxEvery > 0 && n % cpxEvery == 0;
            cpxNodes += cpx ? 1 : 0;
            int nodeGpus = cpx ? cpxGpusPerNode : gpus;
            for (int g = 0; g < nodeGpus; g++) {
                if (cpx) {
                    for (int p = 0; p < 8; p++) {
                        out.add(new Partition(node + "-g" + g + "-p" + p, node, String.valueOf(g), String.valueOf(p),
                                ComputeMode.CPX, MemoryMode.NPS4, 24 * GIB, "amd.com/cpx_nps4"));
                    }
                } else {
                    out.add(new Partition(node + "-g" + g, node, String.valueOf(g), "0", ComputeMode.SPX, MemoryMode.NPS1,
                            192 * GIB, "amd.com/spx_nps1"));
                }
            }
        }
        return new Fleet(out, nodes + " nodes (" + cpxNodes + " CPX/NPS4 with " + cpxGpusPerNode + " GPU(s) x 8 partitions, "
                + (nodes - cpxNodes) + " SPX/NPS1 with " + gpus + " GPUs): " + out.size() + " partitions");
    }

    /** Model sizes 4..140 GiB, 20% HIGH / 50% MEDIUM / 30% LOW, 30% want CPX, 20% SPX, 5% a preferred partition. */
    static List<PlacementRequest> models(int count, List<Partition> partitions, long seed) {
        long[] sizes = {4, 8, 12, 16, 20, 24, 40, 80, 140};
        Random r = new Random(seed);
        List<PlacementRequest> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            double p = r.nextDouble();
            QosPriority prio = p < 0.2 ? QosPriority.HIGH : p < 0.7 ? QosPriority.MEDIUM : QosPriority.LOW;
            double m = r.nextDouble();
            ComputeMode mode = m < 0.3 ? ComputeMode.CPX : m < 0.5 ? ComputeMode.SPX : null;
            long size = sizes[r.nextInt(sizes.length)];
            if (mode == ComputeMode.CPX) {
                size = Math.min(size, 24);
            }
            String preferred = r.nextDouble() < 0.05 ? partitions.get(r.nextInt(partitions.size())).name() : null;
            out.add(new PlacementRequest("ns-" + (i % 50) + "/model-" + i, mode, null, size * GIB, null, preferred, prio));
        }
        return out;
    }

    record Result(long totalNanos, int placed, long[] decisionNanos) {
        long percentile(double q) {
            long[] sorted = decisionNanos.clone();
            Arrays.sort(sorted);
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
        }
    }

    /** Best fit with spread and explanations: what the controller runs. */
    static Result placeAll(Fleet fleet, List<PlacementRequest> requests) {
        PartitionInventory inv = new PartitionInventory();
        for (Partition p : fleet.partitions()) {
            inv.upsert(p, true);
        }
        // The same order placeAll uses, timed one decision at a time.
        List<PlacementRequest> ordered = new ArrayList<>(requests);
        ordered.sort(java.util.Comparator.comparing(PlacementRequest::priority)
                .thenComparing(java.util.Comparator.comparingLong(PlacementRequest::memoryBytes).reversed())
                .thenComparing(PlacementRequest::model));
        long[] each = new long[ordered.size()];
        int placed = 0;
        long start = System.nanoTime();
        for (int i = 0; i < ordered.size(); i++) {
            long t0 = System.nanoTime();
            PlacementDecision d = inv.place(ordered.get(i));
            each[i] = System.nanoTime() - t0;
            placed += d.placed() ? 1 : 0;
        }
        return new Result(System.nanoTime() - start, placed, each);
    }

    /** Baseline: first partition (in fleet order) with matching mode and enough free memory. */
    static Result firstFit(Fleet fleet, List<PlacementRequest> requests) {
        List<Partition> parts = fleet.partitions();
        long[] free = new long[parts.size()];
        for (int i = 0; i < free.length; i++) {
            free[i] = parts.get(i).memoryTotalBytes();
        }
        long[] each = new long[requests.size()];
        int placed = 0;
        long start = System.nanoTime();
        for (int r = 0; r < requests.size(); r++) {
            long t0 = System.nanoTime();
            PlacementRequest req = requests.get(r);
            for (int i = 0; i < free.length; i++) {
                if ((req.computeMode() == null || req.computeMode() == parts.get(i).computeMode()) && free[i] >= req.memoryBytes()) {
                    free[i] -= req.memoryBytes();
                    placed++;
                    break;
                }
            }
            each[r] = System.nanoTime() - t0;
        }
        return new Result(System.nanoTime() - start, placed, each);
    }
}
