package ai.aim.scheduler.keda;

import static org.assertj.core.api.Assertions.assertThat;

import ai.aim.scheduler.placement.ComputeMode;
import ai.aim.scheduler.placement.MemoryMode;
import ai.aim.scheduler.placement.Partition;
import ai.aim.scheduler.placement.PartitionInventory;
import ai.aim.scheduler.placement.PlacementRequest;
import ai.aim.scheduler.placement.QosPriority;
import org.junit.jupiter.api.Test;

class KedaExtensionTest {

  private static final long GIB = 1L << 30;

  @Test
  void capacityCountsFreePartitionsOfTheShapeTheModelRunsOn() {
    PartitionInventory inventory = new PartitionInventory();
    for (int i = 0; i < 3; i++) {
      inventory.upsert(
          new Partition("gpu0-p" + i, "node-a", "0", Integer.toString(i), ComputeMode.CPX,
              MemoryMode.NPS4, 24 * GIB, "amd.com/cpx_nps4"),
          true);
    }
    inventory.upsert(
        new Partition("gpu1-p0", "node-a", "1", "0", ComputeMode.SPX, MemoryMode.NPS1, 192 * GIB,
            "amd.com/spx_nps1"),
        true);
    CapacitySource capacity = KedaExtension.capacity(inventory);
    assertThat(capacity.freeMatchingPartitions("ml", "llama")).isEqualTo(CapacitySource.UNLIMITED);

    assertThat(
            inventory
                .place(new PlacementRequest("ml/llama", ComputeMode.CPX, MemoryMode.NPS4, 20 * GIB,
                    null, null, QosPriority.HIGH))
                .placed())
        .isTrue();

    // Two other CPX/NPS4 partitions fit 20 GiB; its own has 4 GiB left; the SPX one is the wrong shape.
    assertThat(capacity.freeMatchingPartitions("ml", "llama")).isEqualTo(2);
  }
}
