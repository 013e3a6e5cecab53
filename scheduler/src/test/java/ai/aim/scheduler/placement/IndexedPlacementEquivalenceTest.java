package ai.aim.scheduler.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The inventory decides from its indexes; {@link Placer#place} scans a snapshot of every partition.
 * On random fleets and random sequences of mutations, both must choose the same partition with the
 * same explanation and the same rejection counts, and every listed rejection must be a true one.
 */
class IndexedPlacementEquivalenceTest {
    private static final long GIB = 1L << 30;
    private static final long[] SIZES = {0, 8 * GIB, 16 * GIB, 24 * GIB, 48 * GIB, 96 * GIB, 192 * GIB};

    @Test
    void indexedPlacementChoosesExactlyWhatTheFullScanChoosesOnRandomFleets() {
        int decisions = 0;
        for (long seed = 1; seed <= 60; seed++) {
            decisions += runScenario(seed);
        }
        assertThat(decisions).isGreaterThan(10_000);
    }

    private int runScenario(long seed) {
        Random rnd = new Random(seed);
        int limit = rnd.nextBoolean() ? Placer.DEFAULT_EXPLAIN_LIMIT : rnd.nextInt(4);
        Placer reference = new Placer(limit);
        Placer unlimited = new Placer(Integer.MAX_VALUE);
        PartitionInventory inv = new PartitionInventory(new Placer(limit));
        List<Partition> fleet = new ArrayList<>();
        int nodes = 1 + rnd.nextInt(12);
        for (int n = 0; n < nodes; n++) {
            String node = "n" + (rnd.nextInt(3) == 0 ? "0" : "") + n;
            int gpus = 1 + rnd.nextInt(4);
            for (int g = 0; g < gpus; g++) {
                ComputeMode cm = ComputeMode.values()[rnd.nextInt(rnd.nextBoolean() ? 2 : 5)];
                MemoryMode mm = MemoryMode.values()[rnd.nextInt(rnd.nextBoolean() ? 1 : 4)];
                int parts = Math.min(cm.perGpu(), 1 + rnd.nextInt(4));
                for (int p = 0; p < parts; p++) {
                    Partition part = partition(rnd, node, g, p, cm, mm);
                    fleet.add(part);
                    inv.upsert(part, rnd.nextInt(10) != 0);
                }
            }
        }
        List<String> models = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            models.add("ns/m" + i);
        }
        int decisions = 0;
        for (int step = 0; step < 400; step++) {
            int op = rnd.nextInt(100);
            String model = models.get(rnd.nextInt(models.size()));
            if (op < 60) {
                PlacementRequest r = request(rnd, model, fleet);
                inv.release(model);
                List<PartitionState> snapshot = inv.partitions();
                PlacementDecision expected = reference.place(r, snapshot);
                assertThat(inv.preview(r).chosen()).isEqualTo(expected.chosen());
                PlacementDecision actual = inv.place(r);
                assertSame(seed, step, expected, actual, unlimited.place(r, snapshot));
                decisions++;
            } else if (op < 70) {
                PlacementRequest r = request(rnd, model, fleet);
                PlacementDecision expected = reference.place(r, inv.partitions());
                assertThat(inv.preview(r).chosen()).as("preview, seed %d step %d", seed, step).isEqualTo(expected.chosen());
                decisions++;
            } else if (op < 78) {
                inv.release(model);
            } else if (op < 84 && !fleet.isEmpty()) {
                Partition p = fleet.get(rnd.nextInt(fleet.size()));
                inv.restore(model, p.name(), SIZES[rnd.nextInt(SIZES.length)] / 2, QosPriority.values()[rnd.nextInt(3)]);
            } else if (op < 88) {
                inv.setNodeAvailable("n" + rnd.nextInt(nodes), rnd.nextBoolean());
            } else if (op < 92 && !fleet.isEmpty()) {
                Partition p = fleet.remove(rnd.nextInt(fleet.size()));
                inv.remove(p.name());
            } else if (op < 96 && !fleet.isEmpty()) {
                // Resize or re-mode a partition in place: its allocations stay.
                int i = rnd.nextInt(fleet.size());
                Partition old = fleet.get(i);
                Partition changed = new Partition(old.name(), old.node(), old.gpuId(), old.partitionId(),
                        rnd.nextBoolean() ? old.computeMode() : ComputeMode.values()[rnd.nextInt(5)],
                        old.memoryMode(), SIZES[1 + rnd.nextInt(SIZES.length - 1)], old.resourceName());
                fleet.set(i, changed);
                inv.upsert(changed, rnd.nextInt(5) != 0);
            } else {
                Partition part = partition(rnd, "n" + rnd.nextInt(nodes + 2), rnd.nextInt(4), 10 + step,
                        ComputeMode.values()[rnd.nextInt(5)], MemoryMode.values()[rnd.nextInt(4)]);
                fleet.add(part);
                inv.upsert(part, true);
            }
            long need = SIZES[rnd.nextInt(SIZES.length)];
            ComputeMode cm = rnd.nextBoolean() ? null : ComputeMode.values()[rnd.nextInt(5)];
            MemoryMode mm = rnd.nextBoolean() ? null : MemoryMode.values()[rnd.nextInt(4)];
            assertThat(inv.countPlaceable(cm, mm, need)).as("countPlaceable, seed %d step %d", seed, step)
                    .isEqualTo(countByScan(inv.partitions(), cm, mm, need));
        }
        return decisions;
    }

    private static void assertSame(long seed, int step, PlacementDecision expected, PlacementDecision actual,
            PlacementDecision everyRejection) {
        String where = "seed " + seed + " step " + step + " request " + expected.request();
        assertThat(actual.chosen()).as(where).isEqualTo(expected.chosen());
        if (expected.request().pinnedPartition() != null) {
            // The inventory looks only at the pinned partition (it never lists the others as NOT_PINNED).
            return;
        }
        assertThat(actual.explanation()).as(where).isEqualTo(expected.explanation());
        assertThat(actual.rejectedByReason()).as(where).isEqualTo(expected.rejectedByReason());
        assertThat(actual.rejections()).as(where).hasSameSizeAs(expected.rejections());
        Map<String, Rejection> truth = new HashMap<>();
        for (Rejection r : everyRejection.rejections()) {
            truth.put(r.partition(), r);
        }
        for (Rejection r : actual.rejections()) {
            // Same reason and the same detail (formatted later, from the facts at decision time).
            assertThat(r).as(where + " " + r).isEqualTo(truth.get(r.partition()));
        }
        assertThat(actual.rejections()).extracting(Rejection::partition).doesNotHaveDuplicates();
    }

    private static int countByScan(List<PartitionState> states, ComputeMode cm, MemoryMode mm, long need) {
        int n = 0;
        for (PartitionState s : states) {
            if (s.available() && (cm == null || cm == s.partition().computeMode())
                    && (mm == null || mm == s.partition().memoryMode()) && s.freeBytes() >= need) {
                n++;
            }
        }
        return n;
    }

    private static Partition partition(Random rnd, String node, int gpu, int p, ComputeMode cm, MemoryMode mm) {
        String name = node + "-g" + gpu + "-p" + p;
        // Leading zeros and ids that are not numbers, mixed with numbers, test the tie order.
        String id = (rnd.nextInt(4) == 0 ? "0" : "") + p + (rnd.nextInt(6) == 0 ? "a" : "");
        return new Partition(name + (id.endsWith("a") ? "a" : ""), node, String.valueOf(gpu), id, cm, mm,
                SIZES[1 + rnd.nextInt(SIZES.length - 1)], "amd.com/gpu");
    }

    private static PlacementRequest request(Random rnd, String model, List<Partition> fleet) {
        ComputeMode cm = rnd.nextInt(3) == 0 ? null : ComputeMode.values()[rnd.nextInt(rnd.nextBoolean() ? 2 : 5)];
        MemoryMode mm = rnd.nextInt(3) == 0 ? null : MemoryMode.values()[rnd.nextInt(rnd.nextBoolean() ? 1 : 4)];
        long need = SIZES[rnd.nextInt(SIZES.length)] / (1 + rnd.nextInt(3));
        String pinned = null;
        String preferred = null;
        int kind = rnd.nextInt(10);
        if (kind == 0 && !fleet.isEmpty()) {
            pinned = rnd.nextInt(5) == 0 ? "missing" : fleet.get(rnd.nextInt(fleet.size())).name();
        } else if (kind <= 2 && !fleet.isEmpty()) {
            preferred = rnd.nextInt(5) == 0 ? "missing" : fleet.get(rnd.nextInt(fleet.size())).name();
        }
        QosPriority priority = QosPriority.values()[rnd.nextInt(3)];
        return new PlacementRequest(model, cm, mm, need, pinned, preferred, priority);
    }
}
