package ai.aim.scheduler.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PlacerTest {
    private static final long GIB = 1L << 30;

    static Partition cpx(String node, int gpu, int part, long gib) {
        return new Partition(node + "-g" + gpu + "-p" + part, node, String.valueOf(gpu), String.valueOf(part),
                ComputeMode.CPX, MemoryMode.NPS4, gib * GIB, "amd.com/cpx_nps4");
    }

    static Partition spx(String node, int gpu, long gib) {
        return new Partition(node + "-g" + gpu, node, String.valueOf(gpu), "0", ComputeMode.SPX, MemoryMode.NPS1,
                gib * GIB, "amd.com/spx_nps1");
    }

    static PlacementRequest req(String model, long gib, QosPriority p) {
        return new PlacementRequest(model, null, null, gib * GIB, null, null, p);
    }

    private final Placer placer = new Placer();

    @Test
    void bestFitTakesThePartitionThatLeavesTheLeastMemory() {
        List<PartitionState> parts = List.of(
                PartitionState.empty(cpx("n1", 0, 0, 24)),
                new PartitionState(cpx("n1", 0, 1, 24), List.of(new Allocation("ns/a", 10 * GIB, QosPriority.LOW)), true),
                PartitionState.empty(spx("n2", 0, 192)));
        PlacementDecision d = placer.place(req("ns/m", 12, QosPriority.MEDIUM), parts);
        assertThat(d.chosen()).map(Partition::name).contains("n1-g0-p1");
        assertThat(d.explanation()).startsWith("best fit n1-g0-p1");
        assertThat(d.rejections()).isEmpty();
    }

    @Test
    void filtersByModesAndFreeMemoryAndExplainsEveryRejection() {
        List<PartitionState> parts = List.of(
                PartitionState.empty(cpx("n1", 0, 0, 24)),
                PartitionState.empty(spx("n1", 1, 192)),
                new PartitionState(cpx("n2", 0, 0, 24), List.of(), false),
                new PartitionState(new Partition("n3-g0-p0", "n3", "0", "0", ComputeMode.CPX, MemoryMode.NPS1, 24 * GIB, "amd.com/cpx_nps1"), List.of(), true));
        PlacementRequest r = new PlacementRequest("ns/m", ComputeMode.CPX, MemoryMode.NPS4, 30 * GIB, null, null, QosPriority.LOW);
        PlacementDecision d = placer.place(r, parts);
        assertThat(d.placed()).isFalse();
        assertThat(d.rejections()).extracting(Rejection::partition, Rejection::reason).containsExactly(
                org.assertj.core.groups.Tuple.tuple("n1-g0-p0", Rejection.Reason.INSUFFICIENT_MEMORY),
                org.assertj.core.groups.Tuple.tuple("n1-g1", Rejection.Reason.COMPUTE_MODE),
                org.assertj.core.groups.Tuple.tuple("n2-g0-p0", Rejection.Reason.UNAVAILABLE),
                org.assertj.core.groups.Tuple.tuple("n3-g0-p0", Rejection.Reason.MEMORY_MODE));
        assertThat(d.summary()).isEqualTo("no partition fits (1 UNAVAILABLE, 1 COMPUTE_MODE, 1 MEMORY_MODE, 1 INSUFFICIENT_MEMORY)");
    }

    @Test
    void aPinnedPartitionIsTheOnlyCandidateEvenWhenAnotherFitsBetter() {
        List<PartitionState> parts = List.of(PartitionState.empty(cpx("n1", 0, 0, 24)), PartitionState.empty(spx("n2", 0, 192)));
        PlacementRequest pinned = new PlacementRequest("ns/m", null, null, 10 * GIB, "n2-g0", null, QosPriority.LOW);
        assertThat(placer.place(pinned, parts).chosen()).map(Partition::name).contains("n2-g0");

        PlacementRequest tooBig = new PlacementRequest("ns/m", null, null, 30 * GIB, "n1-g0-p0", null, QosPriority.LOW);
        PlacementDecision d = placer.place(tooBig, parts);
        assertThat(d.placed()).isFalse();
        assertThat(d.rejections()).extracting(Rejection::reason)
                .containsExactly(Rejection.Reason.INSUFFICIENT_MEMORY, Rejection.Reason.NOT_PINNED);

        PlacementRequest missing = new PlacementRequest("ns/m", null, null, 1, "nope", null, QosPriority.LOW);
        assertThat(new PartitionInventory().place(missing).explanation()).isEqualTo("pinned partition nope does not exist");
    }

    @Test
    void aPreferredPartitionWinsWhenItFitsAndIsIgnoredWhenItDoesNot() {
        List<PartitionState> parts = List.of(PartitionState.empty(cpx("n1", 0, 0, 24)), PartitionState.empty(spx("n2", 0, 192)));
        PlacementRequest fits = new PlacementRequest("ns/m", null, null, 10 * GIB, null, "n2-g0", QosPriority.LOW);
        PlacementDecision d = placer.place(fits, parts);
        assertThat(d.chosen()).map(Partition::name).contains("n2-g0");
        assertThat(d.explanation()).startsWith("preferred partition");

        PlacementRequest tooBig = new PlacementRequest("ns/m", ComputeMode.CPX, null, 10 * GIB, null, "n2-g0", QosPriority.LOW);
        assertThat(placer.place(tooBig, parts).chosen()).map(Partition::name).contains("n1-g0-p0");
    }

    @Test
    void highModelsSpreadAcrossPhysicalGpusBeforeSharingOne() {
        PartitionInventory inv = new PartitionInventory();
        for (int gpu = 0; gpu < 4; gpu++) {
            for (int p = 0; p < 8; p++) {
                inv.upsert(cpx("n1", gpu, p, 24), true);
            }
        }
        List<String> gpus = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            gpus.add(inv.place(req("ns/h" + i, 8, QosPriority.HIGH)).chosen().orElseThrow().gpuId());
        }
        assertThat(gpus).containsExactlyInAnyOrder("0", "1", "2", "3");
        // Every GPU holds one HIGH model now: the fifth shares, by best fit, the partition of h0
        // (lowest GPU id among equals), and a LOW model fills the last hole there.
        assertThat(inv.place(req("ns/h4", 8, QosPriority.HIGH)).chosen()).map(Partition::name).contains("n1-g0-p0");
        Partition low = inv.place(req("ns/l", 8, QosPriority.LOW)).chosen().orElseThrow();
        assertThat(low.name()).isEqualTo("n1-g0-p0");
        assertThat(inv.partition(low.name()).orElseThrow().freeBytes()).isZero();
    }

    @Test
    void tiesBreakByNodeThenGpuThenPartitionNumber() {
        List<PartitionState> parts = new ArrayList<>();
        for (int gpu : new int[] {10, 2}) {
            for (int p : new int[] {11, 3}) {
                parts.add(PartitionState.empty(cpx("n2", gpu, p, 24)));
                parts.add(PartitionState.empty(cpx("n1", gpu, p, 24)));
            }
        }
        for (int i = 0; i < 5; i++) {
            Collections.shuffle(parts, new Random(i));
            assertThat(placer.place(req("ns/m", 1, QosPriority.LOW), parts).chosen()).map(Partition::name).contains("n1-g2-p3");
        }
    }

    @Test
    void theOrderComparesNumbersAsNumbersAndStaysTransitiveWhenNumericAndTextIdsMix() {
        List<Partition> parts = new ArrayList<>();
        for (String id : new String[] {"10a", "9", "10", "010", "b", "0", "1"}) {
            parts.add(new Partition("n1-g0-" + id, "n1", "0", id, ComputeMode.CPX, MemoryMode.NPS4, GIB, "amd.com/cpx_nps4"));
        }
        parts.sort(Placer.ORDER);
        assertThat(parts).extracting(Partition::partitionId).containsExactly("0", "1", "9", "010", "10", "10a", "b");
        for (Partition a : parts) {
            for (Partition b : parts) {
                for (Partition c : parts) {
                    if (Placer.ORDER.compare(a, b) < 0 && Placer.ORDER.compare(b, c) < 0) {
                        assertThat(Placer.ORDER.compare(a, c)).as("%s < %s < %s", a.partitionId(), b.partitionId(), c.partitionId())
                                .isNegative();
                    }
                }
            }
        }
    }

    @Test
    void theInventoryNeverPromisesMoreMemoryThanAPartitionHas() {
        PartitionInventory inv = new PartitionInventory();
        inv.upsert(cpx("n1", 0, 0, 24), true);
        assertThat(inv.place(req("ns/a", 16, QosPriority.LOW)).placed()).isTrue();
        assertThat(inv.place(req("ns/b", 8, QosPriority.LOW)).placed()).isTrue();
        PlacementDecision full = inv.place(req("ns/c", 1, QosPriority.LOW));
        assertThat(full.placed()).isFalse();
        assertThat(full.rejectedByReason()).containsEntry(Rejection.Reason.INSUFFICIENT_MEMORY, 1);
        assertThat(inv.countPlaceable(ComputeMode.CPX, MemoryMode.NPS4, 1)).isZero();

        assertThat(inv.release("ns/a")).contains("n1-g0-p0");
        assertThat(inv.countPlaceable(ComputeMode.CPX, MemoryMode.NPS4, 16 * GIB)).isEqualTo(1);
        assertThat(inv.place(req("ns/c", 16, QosPriority.LOW)).placed()).isTrue();
        assertThat(inv.partition("n1-g0-p0").orElseThrow().freeBytes()).isZero();
    }

    @Test
    void removingAPartitionUnplacesItsModelsAndReplacingARequestMovesTheModel() {
        PartitionInventory inv = new PartitionInventory();
        inv.upsert(cpx("n1", 0, 0, 24), true);
        inv.upsert(spx("n2", 0, 192), true);
        assertThat(inv.place(req("ns/a", 16, QosPriority.HIGH)).chosen()).map(Partition::name).contains("n1-g0-p0");
        assertThat(inv.remove("n1-g0-p0")).extracting(Allocation::model).containsExactly("ns/a");
        assertThat(inv.placementOf("ns/a")).isEmpty();
        assertThat(inv.place(req("ns/a", 16, QosPriority.HIGH)).chosen()).map(Partition::name).contains("n2-g0");
        assertThat(inv.place(req("ns/a", 100, QosPriority.HIGH)).chosen()).map(Partition::name).contains("n2-g0");
        assertThat(inv.partition("n2-g0").orElseThrow().allocatedBytes()).isEqualTo(100 * GIB);
    }

    @Test
    void restoreRetakesARecordedAllocationWithoutDeciding() {
        PartitionInventory inv = new PartitionInventory();
        inv.upsert(cpx("n1", 0, 0, 24), true);
        assertThat(inv.restore("ns/a", "n1-g0-p0", 20 * GIB, QosPriority.LOW)).isTrue();
        assertThat(inv.restore("ns/b", "missing", GIB, QosPriority.LOW)).isFalse();
        assertThat(inv.partition("n1-g0-p0").orElseThrow().freeBytes()).isEqualTo(4 * GIB);
    }

    @Test
    void aNodeMarkedUnavailableTakesNoNewModels() {
        PartitionInventory inv = new PartitionInventory();
        inv.upsert(cpx("n1", 0, 0, 24), true);
        inv.setNodeAvailable("n1", false);
        PlacementDecision d = inv.place(req("ns/a", 1, QosPriority.LOW));
        assertThat(d.placed()).isFalse();
        assertThat(d.rejections()).extracting(Rejection::reason).containsExactly(Rejection.Reason.UNAVAILABLE);
    }

    @Test
    void placeAllIsDeterministicWhateverTheInputOrder() {
        List<PlacementRequest> reqs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            reqs.add(req("ns/m" + i, 1 + (i * 7) % 20, QosPriority.values()[i % 3]));
        }
        List<String> first = null;
        for (int seed = 0; seed < 3; seed++) {
            PartitionInventory inv = new PartitionInventory();
            for (int g = 0; g < 4; g++) {
                for (int p = 0; p < 8; p++) {
                    inv.upsert(cpx("n" + (g % 2), g, p, 24), true);
                }
            }
            Collections.shuffle(reqs, new Random(seed));
            List<String> out = inv.placeAll(reqs).stream()
                    .map(d -> d.request().model() + "@" + d.chosen().map(Partition::name).orElse("-")).toList();
            if (first == null) {
                first = out;
            }
            assertThat(out).isEqualTo(first);
        }
    }
}
