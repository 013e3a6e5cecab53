package ai.aim.scheduler.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PartitionDiscoveryTest {
    private static final long GIB = 1L << 30;

    @Test
    void mixedStrategyResourcesBecomeOnePartitionEachNumberedPerGpu() {
        var found = PartitionDiscovery.discover("node-1", Map.of("amd.com/gpu.vram", "192G"),
                Map.of("amd.com/cpx_nps4", "16", "cpu", "64"), 100 * GIB);
        assertThat(found).hasSize(16);
        var ninth = found.get(9);
        assertThat(ninth.name()).isEqualTo("node-1-cpx-nps4-g1-p1");
        assertThat(ninth.spec().getGpuId()).isEqualTo("1");
        assertThat(ninth.spec().getPartitionId()).isEqualTo("1");
        assertThat(ninth.spec().getComputeMode()).isEqualTo("CPX");
        assertThat(ninth.spec().getMemoryMode()).isEqualTo("NPS4");
        assertThat(ninth.spec().getMemoryTotalBytes()).isEqualTo(24 * GIB);
        assertThat(ninth.spec().getResourceName()).isEqualTo("amd.com/cpx_nps4");
    }

    @Test
    void singleStrategyTakesTheKindFromTheLabellerAndFallsBackToWholeGpus() {
        var cpx = PartitionDiscovery.discover("n", Map.of("amd.com/compute-memory-partition", "cpx_nps1"),
                Map.of("amd.com/gpu", "8"), 192 * GIB);
        assertThat(cpx).hasSize(8).allSatisfy(d -> {
            assertThat(d.spec().getComputeMode()).isEqualTo("CPX");
            assertThat(d.spec().getResourceName()).isEqualTo("amd.com/gpu");
            assertThat(d.spec().getMemoryTotalBytes()).isEqualTo(24 * GIB);
        });
        var whole = PartitionDiscovery.discover("n", Map.of(), Map.of("amd.com/gpu", "2"), 192 * GIB);
        assertThat(whole).extracting(d -> d.spec().getComputeMode() + "/" + d.spec().getGpuId())
                .containsExactly("SPX/0", "SPX/1");
    }

    @Test
    void aNodeWithoutAmdResourcesHasNoPartitions() {
        assertThat(PartitionDiscovery.discover("n", Map.of(), Map.of("cpu", "8"), GIB)).isEmpty();
    }

    @Test
    void vramLabelsAreReadInBinaryUnits() {
        assertThat(PartitionDiscovery.vramBytes("191G", 1)).isEqualTo(191 * GIB);
        assertThat(PartitionDiscovery.vramBytes("512M", 1)).isEqualTo(512L << 20);
        assertThat(PartitionDiscovery.vramBytes("junk", 7)).isEqualTo(7);
    }
}
