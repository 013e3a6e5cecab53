package ai.aim.proxy.admission;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What an arrival of each class of one model gets right now when the answer is a refusal that
 * needs no decision: its class's queue is full, or it would queue behind an overflowing higher
 * class. The admission thread computes it after every batch of events and every tick; producers
 * ({@link AdmissionController#submit}) read it and refuse on their own thread, so a shed request is
 * answered without the two thread hops (to the admission thread and back) that a queued decision
 * takes, which under CPU contention cost milliseconds each.
 *
 * <p>The gate is at most one batch or one tick ({@code tickMs}) behind the core: an arrival refused
 * here is one that would have been refused had it arrived a moment earlier. Every other case
 * (a free permit, a queue with room, a deadline, draining) goes through the ring. Refusals made
 * here are counted per class and reason and folded into the core's counters, rates and overflow
 * times by the admission thread ({@link #takeRefused}), so metrics and snapshots include them.
 *
 * <p>Threads: {@link #set} and {@link #takeRefused} on the admission thread only; {@link
 * #refusal} and {@link #countRefused} on any thread.
 */
final class ArrivalGate {
  private static final RejectReason[] REASONS = RejectReason.values();

  /** Per class: 0 to let arrivals through to the core, else 1 + the refusal's ordinal. */
  private final AtomicIntegerArray refuse = new AtomicIntegerArray(3);
  /** Bit {@code b} set while class {@code b} refuses: one read for the common case, none. */
  private volatile int refusingClasses;
  /** Refusals made by producers, by class x reason. */
  private final AtomicLongArray refused = new AtomicLongArray(3 * REASONS.length);
  // Admission thread only: the counts last folded into the core.
  private final long[] folded = new long[3 * REASONS.length];

  /** Whether any class refuses at the gate now. */
  boolean refusing() {
    return refusingClasses != 0;
  }

  /** The refusal an arrival of class {@code b} gets now, or {@code null} to go to the core. */
  RejectReason refusal(int b) {
    int r = refuse.get(b);
    return r == 0 ? null : REASONS[r - 1];
  }

  /** Counts a refusal made on a producer's thread. */
  void countRefused(int b, RejectReason reason) {
    refused.getAndIncrement(b * REASONS.length + reason.ordinal());
  }

  /** Sets what arrivals of class {@code b} get ({@code null}: the core decides). Admission thread. */
  void set(int b, RejectReason reason) {
    int r = reason == null ? 0 : reason.ordinal() + 1;
    if (refuse.get(b) != r) {
      refuse.set(b, r);
      refusingClasses = r == 0 ? refusingClasses & ~(1 << b) : refusingClasses | (1 << b);
    }
  }

  /**
   * How many refusals of class {@code b} for {@code reason} producers made since the last call.
   * Admission thread.
   */
  long takeRefused(int b, RejectReason reason) {
    int i = b * REASONS.length + reason.ordinal();
    long now = refused.get(i);
    long delta = now - folded[i];
    folded[i] = now;
    return delta;
  }
}
