package ai.aim.proxy.admission;

import java.util.Arrays;

/**
 * Open-addressing map from ticket id to its {@link Node}, with linear probing in Robin Hood order
 * and backward-shift deletion (no tombstones), so lookups stay short however many tickets came and
 * went. Owned by the admission thread. Doubles its arrays when three quarters full; steady state
 * allocates nothing.
 *
 * <p>The slot of a ticket is its low bits: tickets are ring sequences, issued in increasing order,
 * so the outstanding ones spread evenly over the slots by themselves, and tickets issued close
 * together land in neighbouring slots (the same few cache lines) instead of being scattered over
 * the whole table by a mixing hash.
 *
 * <p>Robin Hood order (along a run of occupied slots, no entry is further from its home slot than
 * the one after it plus one) is what keeps a removal short: it stops at the first entry already in
 * its home slot. Plain linear probing must scan to the end of the run, and consecutive tickets
 * (a burst of arrivals, all queued) form one run as long as the burst, so each removal from it
 * cost a scan of the whole run.
 */
final class TicketTable {
  private static final long EMPTY = -1;
  private long[] keys;
  private Node[] values;
  private int mask;
  private int size;

  TicketTable(int initialCapacity) {
    int cap = Integer.highestOneBit(Math.max(16, initialCapacity) * 2 - 1);
    keys = new long[cap];
    Arrays.fill(keys, EMPTY);
    values = new Node[cap];
    mask = cap - 1;
  }

  private static int hash(long key) {
    return (int) (key ^ (key >>> 32));
  }

  /** How far the entry {@code key} in {@code slot} is from its home slot. */
  private int distance(long key, int slot) {
    return (slot - (hash(key) & mask)) & mask;
  }

  Node get(long key) {
    int i = find(key);
    return i < 0 ? null : values[i];
  }

  /** The slot of {@code key}, or -1. */
  private int find(long key) {
    if (key < 0) {
      return -1;
    }
    int i = hash(key) & mask;
    for (int d = 0; ; d++) {
      long k = keys[i];
      if (k == key) {
        return i;
      }
      // In Robin Hood order the key would sit before any entry nearer its own home than d.
      if (k == EMPTY || distance(k, i) < d) {
        return -1;
      }
      i = (i + 1) & mask;
    }
  }

  void put(long key, Node value) {
    if ((size + 1) * 4 > keys.length * 3) {
      grow();
    }
    int i = hash(key) & mask;
    long k = key;
    Node v = value;
    for (int d = 0; ; d++) {
      long resident = keys[i];
      if (resident == EMPTY) {
        keys[i] = k;
        values[i] = v;
        size++;
        return;
      }
      if (resident == k) {
        values[i] = v; // only the original key can be present: it comes before any swap
        return;
      }
      int rd = distance(resident, i);
      if (rd < d) {
        // The resident is nearer its home than the entry being placed: it yields the slot and
        // moves on in its stead.
        Node rv = values[i];
        keys[i] = k;
        values[i] = v;
        k = resident;
        v = rv;
        d = rd;
      }
      i = (i + 1) & mask;
    }
  }

  Node remove(long key) {
    int i = find(key);
    if (i < 0) {
      return null;
    }
    Node removed = values[i];
    size--;
    // Shift the rest of the run back by one, up to an empty slot or an entry in its home slot.
    int hole = i;
    while (true) {
      int j = (hole + 1) & mask;
      long k = keys[j];
      if (k == EMPTY || distance(k, j) == 0) {
        break;
      }
      keys[hole] = k;
      values[hole] = values[j];
      hole = j;
    }
    keys[hole] = EMPTY;
    values[hole] = null;
    return removed;
  }

  int size() {
    return size;
  }

  /** Whether every run is in Robin Hood order (for tests). */
  boolean ordered() {
    for (int i = 0; i < keys.length; i++) {
      int next = (i + 1) & mask;
      if (keys[i] != EMPTY && keys[next] != EMPTY
          && distance(keys[next], next) > distance(keys[i], i) + 1) {
        return false;
      }
      if (keys[i] == EMPTY && keys[next] != EMPTY && distance(keys[next], next) != 0) {
        return false;
      }
    }
    return true;
  }

  private void grow() {
    long[] oldKeys = keys;
    Node[] oldValues = values;
    keys = new long[oldKeys.length * 2];
    Arrays.fill(keys, EMPTY);
    values = new Node[oldKeys.length * 2];
    mask = keys.length - 1;
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != EMPTY) {
        put(oldKeys[i], oldValues[i]);
      }
    }
  }
}
