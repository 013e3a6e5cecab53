package ai.aim.proxy.admission;

import java.util.Arrays;

/**
 * Open-addressing map from ticket id to its {@link Node}, with linear probing and backward-shift
 * deletion (no tombstones), so lookups stay short however many tickets came and went. Owned by
 * the admission thread. Doubles its arrays when three quarters full; steady state allocates
 * nothing.
 *
 * <p>The slot of a ticket is its low bits: tickets are ring sequences, issued in increasing order,
 * so the outstanding ones spread evenly over the slots by themselves, and tickets issued close
 * together land in neighbouring slots (the same few cache lines) instead of being scattered over
 * the whole table by a mixing hash.
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

  Node get(long key) {
    if (key < 0) {
      return null;
    }
    int i = hash(key) & mask;
    while (true) {
      long k = keys[i];
      if (k == key) {
        return values[i];
      }
      if (k == EMPTY) {
        return null;
      }
      i = (i + 1) & mask;
    }
  }

  void put(long key, Node value) {
    if ((size + 1) * 4 > keys.length * 3) {
      grow();
    }
    int i = hash(key) & mask;
    while (keys[i] != EMPTY && keys[i] != key) {
      i = (i + 1) & mask;
    }
    if (keys[i] == EMPTY) {
      size++;
    }
    keys[i] = key;
    values[i] = value;
  }

  Node remove(long key) {
    int i = hash(key) & mask;
    while (true) {
      long k = keys[i];
      if (k == EMPTY) {
        return null;
      }
      if (k == key) {
        break;
      }
      i = (i + 1) & mask;
    }
    Node removed = values[i];
    size--;
    // Shift later entries of the same probe run back into the hole.
    int hole = i;
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      long k = keys[j];
      if (k == EMPTY) {
        break;
      }
      int home = hash(k) & mask;
      boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        keys[hole] = k;
        values[hole] = values[j];
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    values[hole] = null;
    return removed;
  }

  int size() {
    return size;
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
