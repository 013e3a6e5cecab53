package ai.aim.proxy.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** The open-addressing ticket table behaves like a map under any mix of puts and removes. */
class TicketTableTest {

  @Property(tries = 200)
  void agreesWithAHashMap(
      @ForAll @Size(max = 2000) List<@IntRange(min = 0, max = 300) Integer> keys,
      @ForAll @Size(max = 2000) List<Boolean> removes) {
    TicketTable table = new TicketTable(16);
    Map<Long, Node> reference = new HashMap<>();
    for (int i = 0; i < keys.size(); i++) {
      long k = keys.get(i) * 16L; // multiples of the table size collide in the low bits
      boolean remove = i < removes.size() && removes.get(i);
      if (remove) {
        assertThat(table.remove(k)).isSameAs(reference.remove(k));
      } else {
        Node n = new Node();
        table.put(k, n);
        reference.put(k, n);
      }
      assertThat(table.size()).isEqualTo(reference.size());
      assertThat(table.ordered()).isTrue();
    }
    for (long k = 0; k <= 300 * 16L; k += 16) {
      assertThat(table.get(k)).isSameAs(reference.get(k));
    }
    assertThat(table.get(-1)).isNull();
  }

  /** Consecutive tickets, as a burst of queued arrivals gets, removed oldest first and at random. */
  @Property(tries = 100)
  void staysOrderedUnderASlidingWindowOfConsecutiveTickets(
      @ForAll @IntRange(min = 1, max = 3000) int window,
      @ForAll @Size(max = 3000) List<@IntRange(min = 0, max = 10_000) Integer> picks) {
    TicketTable table = new TicketTable(16);
    Map<Long, Node> reference = new HashMap<>();
    long next = 0;
    for (int pick : picks) {
      Node n = new Node();
      table.put(next, n);
      reference.put(next, n);
      next++;
      if (reference.size() > window) {
        long victim = pick % 2 == 0 ? next - reference.size() : reference.keySet().iterator().next();
        if (reference.containsKey(victim)) {
          assertThat(table.remove(victim)).isSameAs(reference.remove(victim));
        }
      }
    }
    assertThat(table.ordered()).isTrue();
    assertThat(table.size()).isEqualTo(reference.size());
    reference.forEach((k, v) -> assertThat(table.get(k)).isSameAs(v));
  }
}
