package ai.aim.bench.scheduler;

import ai.aim.scheduler.placement.ComputeMode;
import ai.aim.scheduler.placement.MemoryMode;
import ai.aim.scheduler.placement.Partition;
import ai.aim.scheduler.placement.PartitionInventory;
import ai.aim.scheduler.placement.PlacementDecision;
import ai.aim.scheduler.placement.PlacementRequest;
import ai.aim.scheduler.placement.Placer;
import ai.aim.scheduler.placement.QosPriority;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Placement at fleet scale: {@code placeAll} of N models onto M partitions, with the indexed
 * inventory and with the full-scan reference ({@link PartitionInventory#fullScan}) in the same run,
 * on the same seeded fleet and requests. Prints the median wall time of {@code placeAll} over the
 * repetitions, the per-decision p50/p99 of one sequential pass, and checks that both chose the same
 * partitions.
 *
 * <p>Usage: {@code PlacementScale <models> <partitions> <reps> [baselineReps]} (baselineReps 0: indexed
 * only); single-threaded.
 */
public final class PlacementScale {
    private static final long GIB = 1L << 30;

    private PlacementScale() {
    }

    public static void main(String[] args) {
        int models = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int partitions = args.length > 1 ? Integer.parseInt(args[1]) : 8_000;
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int baselineReps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        List<Partition> fleet = fleet(partitions, new Random(42));
        List<PlacementRequest> requests = requests(models, new Random(7));
        System.out.printf("fleet: %d partitions; requests: %d models%n", fleet.size(), requests.size());

        Result indexed = run("indexed", () -> new PartitionInventory(new Placer()), fleet, requests, reps);
        if (baselineReps <= 0) {
            return;
        }
        Result scan = run("full scan (baseline)", () -> PartitionInventory.fullScan(new Placer()), fleet, requests,
                baselineReps);
        if (!indexed.chosen.equals(scan.chosen)) {
            throw new IllegalStateException("indexed and full-scan placements differ");
        }
        System.out.printf("same choices: yes (%d of %d placed)%n",
                indexed.chosen.stream().filter(c -> !c.isEmpty()).count(), requests.size());
        System.out.printf("placeAll speed-up: %.1fx; decision p50 speed-up: %.1fx%n",
                scan.placeAllMedianMs / indexed.placeAllMedianMs, scan.p50Micros / indexed.p50Micros);
    }

    private record Result(double placeAllMedianMs, double p50Micros, List<String> chosen) {
    }

    private static Result run(String label, Supplier<PartitionInventory> factory, List<Partition> fleet,
            List<PlacementRequest> requests, int reps) {
        double[] ms = new double[reps];
        List<String> chosen = null;
        for (int i = 0; i < reps; i++) {
            PartitionInventory inv = load(factory.get(), fleet);
            long t0 = System.nanoTime();
            List<PlacementDecision> out = inv.placeAll(requests);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            chosen = names(out);
        }
        // One sequential pass in placeAll's order, timing each decision.
        PartitionInventory inv = load(factory.get(), fleet);
        List<PlacementRequest> ordered = new ArrayList<>(requests);
        ordered.sort(Comparator.comparing(PlacementRequest::priority)
                .thenComparing(Comparator.comparingLong(PlacementRequest::memoryBytes).reversed())
                .thenComparing(PlacementRequest::model));
        long[] ns = new long[ordered.size()];
        for (int i = 0; i < ordered.size(); i++) {
            long t0 = System.nanoTime();
            inv.place(ordered.get(i));
            ns[i] = System.nanoTime() - t0;
        }
        Arrays.sort(ns);
        Arrays.sort(ms);
        double p50 = ns[ns.length / 2] / 1e3;
        double p99 = ns[(int) (ns.length * 0.99)] / 1e3;
        double mean = Arrays.stream(ns).average().orElse(0) / 1e3;
        System.out.printf("%-22s placeAll median %9.1f ms (runs: %s); decision p50 %8.1f us, p99 %8.1f us, mean %8.1f us%n",
                label, ms[ms.length / 2], Arrays.toString(Arrays.stream(ms).mapToLong(Math::round).toArray()), p50, p99, mean);
        return new Result(ms[ms.length / 2], p50, chosen);
    }

    private static List<String> names(List<PlacementDecision> out) {
        List<String> names = new ArrayList<>(out.size());
        for (PlacementDecision d : out) {
            names.add(d.request().model() + "=" + d.chosen().map(Partition::name).orElse(""));
        }
        return names;
    }

    private static PartitionInventory load(PartitionInventory inv, List<Partition> fleet) {
        for (Partition p : fleet) {
            inv.upsert(p, true);
        }
        return inv;
    }

    /** MI300X-like nodes of 8 GPUs; each GPU in one of four partitionings. */
    private static List<Partition> fleet(int target, Random rnd) {
        List<Partition> out = new ArrayList<>(target);
        for (int node = 0; out.size() < target; node++) {
            for (int gpu = 0; gpu < 8 && out.size() < target; gpu++) {
                int kind = rnd.nextInt(10);
                ComputeMode cm = kind < 5 ? ComputeMode.CPX : kind < 7 ? ComputeMode.DPX : kind < 9 ? ComputeMode.QPX : ComputeMode.SPX;
                MemoryMode mm = cm == ComputeMode.CPX ? MemoryMode.NPS4 : MemoryMode.NPS1;
                long each = 192 * GIB / cm.perGpu();
                for (int p = 0; p < cm.perGpu() && out.size() < target; p++) {
                    out.add(new Partition("node-" + node + "-gpu-" + gpu + "-p" + p, "node-" + node, String.valueOf(gpu),
                            String.valueOf(p), cm, mm, each, "amd.com/" + cm.name().toLowerCase() + "_" + mm.name().toLowerCase()));
                }
            }
        }
        return out;
    }

    private static List<PlacementRequest> requests(int n, Random rnd) {
        List<PlacementRequest> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(10);
            ComputeMode cm = kind < 6 ? ComputeMode.CPX : kind < 8 ? ComputeMode.DPX : kind < 9 ? ComputeMode.QPX : null;
            MemoryMode mm = cm == ComputeMode.CPX ? MemoryMode.NPS4 : cm == null ? null : MemoryMode.NPS1;
            long max = cm == null ? 96 * GIB : 192 * GIB / cm.perGpu();
            long bytes = GIB + (long) (rnd.nextDouble() * (max - GIB));
            int pr = rnd.nextInt(10);
            QosPriority priority = pr < 2 ? QosPriority.HIGH : pr < 6 ? QosPriority.MEDIUM : QosPriority.LOW;
            out.add(new PlacementRequest("ns-" + (i % 50) + "/model-" + i, cm, mm, bytes, null, null, priority));
        }
        return out;
    }
}
