package ai.aim.proxy.slo;

import java.util.Arrays;

/**
 * A ring of closed slots of one length plus the running sums of the windows made of them. When a
 * slot closes it is added to every window and the slot that falls out of each window is
 * removed, so reading a window costs nothing and the ring needs as many slots as its largest
 * window.
 *
 * <p>Owned by the tracker's tick thread (under the tracker's lock).
 */
final class SlotRing {
  final long slotNanos;
  private final int[] windowSlots;
  private final ClosedSlot[] slots;
  private final Slot[] windows;
  private final Slot current;
  /** Slots closed since the tracker started; the current slot has this index. */
  private long closed;

  /**
   * @param kinds how many {@link LatencyKind}s (by ordinal, from TOTAL) keep distributions here
   */
  SlotRing(long slotNanos, int kinds, int... windowSlots) {
    this.slotNanos = slotNanos;
    this.current = new Slot(kinds);
    this.windowSlots = windowSlots.clone();
    int capacity = 0;
    for (int w : windowSlots) {
      capacity = Math.max(capacity, w);
    }
    this.slots = new ClosedSlot[capacity];
    Arrays.fill(slots, ClosedSlot.EMPTY);
    this.windows = new Slot[windowSlots.length];
    for (int i = 0; i < windows.length; i++) {
      windows[i] = new Slot(kinds);
    }
  }

  /** How many latency kinds keep distributions in this ring. */
  int kinds() {
    return current.latency.length;
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
      Arrays.fill(slots, ClosedSlot.EMPTY);
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
    ClosedSlot done = ClosedSlot.of(current);
    current.reset();
    for (int w = 0; w < windows.length; w++) {
      windows[w].apply(done, 1);
      if (closed >= windowSlots[w]) {
        windows[w].apply(slots[(int) ((closed - windowSlots[w]) % slots.length)], -1);
      }
    }
    slots[(int) (closed % slots.length)] = done;
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
    for (ClosedSlot s : slots) {
      sum += s.footprintBytes();
    }
    for (Slot s : windows) {
      sum += s.footprintBytes();
    }
    return sum;
  }
}
