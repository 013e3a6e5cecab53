package ai.aim.scheduler.placement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The treap against a {@link TreeSet} with the same order, over random adds and removes. */
class FreeIndexTest {
    private record Item(Partition partition, long freeBytes, String orderKey) implements Candidate {
        Item(Partition partition, long freeBytes) {
            this(partition, freeBytes, Placer.orderKey(partition));
        }

        @Override
        public boolean available() {
            return true;
        }

        @Override
        public int highOnGpu() {
            return 0;
        }
    }

    private static final Comparator<Item> ORDER = Comparator.comparingLong(Item::freeBytes).thenComparing(Item::orderKey);

    @Test
    void ceilingRankAndInOrderVisitAgreeWithASortedSetAfterRandomAddsAndRemoves() {
        Random rnd = new Random(3);
        FreeIndex<Item> index = new FreeIndex<>(11);
        TreeSet<Item> reference = new TreeSet<>(ORDER);
        List<Item> present = new ArrayList<>();
        for (int step = 0; step < 5_000; step++) {
            if (present.isEmpty() || rnd.nextInt(3) != 0) {
                // Few distinct sizes, so most comparisons fall through to the order key.
                int n = rnd.nextInt(2_000);
                Item item = new Item(new Partition("p" + n, "n" + n % 7, String.valueOf(n % 8), String.valueOf(n), ComputeMode.CPX,
                        MemoryMode.NPS4, 100, "amd.com/gpu"), rnd.nextInt(6) * 10L);
                if (reference.add(item)) {
                    index.add(item);
                    present.add(item);
                }
            } else {
                Item item = present.remove(rnd.nextInt(present.size()));
                assertThat(index.remove(item)).isTrue();
                reference.remove(item);
            }
            assertThat(index.size()).isEqualTo(reference.size());
            long need = rnd.nextInt(7) * 10L - 5;
            Item probe = new Item(new Partition("", "", "", "", ComputeMode.CPX, MemoryMode.NPS4, 0, ""), need, "");
            assertThat(index.ceiling(need)).isEqualTo(reference.ceiling(probe));
            assertThat(index.countBelow(need)).isEqualTo(reference.headSet(probe).size());
        }
        List<Item> visited = new ArrayList<>();
        index.visitBelow(Long.MAX_VALUE, visited::add);
        assertThat(visited).containsExactlyElementsOf(reference);
        Item absent = new Item(new Partition("x", "x", "0", "0", ComputeMode.CPX, MemoryMode.NPS4, 1, ""), 10);
        assertThat(index.remove(absent)).isFalse();
    }
}
