package ai.aim.proxy.slo;

/**
 * A ring of closed slots of one length plus the running sums of the windows made of them. When a
 * slot closes it is added to every window and the slot that falls out of each window is
 * subtracted, so reading a window costs nothing and the ring needs as many slots as its largest
 * window.
 *
 * <p>Owned by the tracker's tick thread (under the tracker's lock).
 */
final class SlotRing {
  final long slotNanos;
  private final int[] windowSlots;
  private final Slot[] slots;
  private final Slot[] windows;
  private Slot current = new Slot();
  /** Slots closed since the tracker started; the current slot has this index. */
  private long closed;

  SlotRing(long slotNanos, int... windowSlots) {
    this.slotNanos = slotNanos;
    this.windowSlots = windowSlots.clone();
    int capacity = 0;
    for (int w : windowSlots) {
      capacity = Math.max(capacity, w);
    }
    this.slots = new Slot[capacity];
    for (int i = 0; i < capacity; i++) {
      slots[i] = new Slot();
    }
    this.windows = new Slot[windowSlots.length];
    for (int i = 0; i < windows.length; i++) {
      windows[i] = new Slot();
    }
  }

  /** The slot being filled. */
  Slot current() {
    return current;
  }

  long closed() {
    return closed;
  }

  /** Closes slots until {@code slotIndex} is the current one (no-op when it already is or is past). */
  void advanceTo(long slotIndex) {
    if (closed >= slotIndex) {
      return;
    }
    close();
    if (slotIndex - closed >= slots.length) {
      // Everything in the ring has expired: skip the empty slots in one step.
      for (Slot s : slots) {
        s.reset();
      }
      for (Slot w : windows) {
        w.reset();
      }
      closed = slotIndex;
      return;
    }
    while (closed < slotIndex) {
      close();
    }
  }

  private void close() {
    for (int w = 0; w < windows.length; w++) {
      windows[w].add(current);
      if (closed >= windowSlots[w]) {
        windows[w].subtract(slots[(int) ((closed - windowSlots[w]) % slots.length)]);
      }
    }
    int at = (int) (closed % slots.length);
    Slot expired = slots[at];
    slots[at] = current;
    expired.reset();
    current = expired;
    closed++;
  }

  /** The running sum of window {@code w} (by the order given to the constructor). */
  Slot window(int w) {
    return windows[w];
  }

  /** How many closed slots window {@code w} covers now (fewer than its size after a start). */
  long coveredSlots(int w) {
    return Math.min(closed, windowSlots[w]);
  }

  int footprintBytes() {
    int sum = current.footprintBytes();
    for (Slot s : slots) {
      sum += s.footprintBytes();
    }
    for (Slot s : windows) {
      sum += s.footprintBytes();
    }
    return sum;
  }
}
