package ai.aim.bench.admission;

import ai.aim.proxy.admission.AdmissionCallback;
import ai.aim.proxy.admission.Priority;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lock-based baseline: a {@link Semaphore} of permits and a {@link PriorityBlockingQueue} of
 * waiters (HIGH first, then arrival order), shared by all calling threads. Decisions run on the
 * caller's thread. A waiter that is queued just as the last permit comes back re-checks the
 * semaphore, so no permit is stranded.
 */
final class LockedAdmission {
  private final Semaphore permits;
  private final PriorityBlockingQueue<Waiter> queue = new PriorityBlockingQueue<>();
  private final AtomicLong tickets = new AtomicLong();

  private record Waiter(int priority, long ticket, AdmissionCallback callback, long arrival)
      implements Comparable<Waiter> {
    @Override
    public int compareTo(Waiter o) {
      int c = Integer.compare(priority, o.priority);
      return c != 0 ? c : Long.compare(ticket, o.ticket);
    }
  }

  LockedAdmission(int limit) {
    permits = new Semaphore(limit);
  }

  long submit(Priority priority, AdmissionCallback callback) {
    long ticket = tickets.getAndIncrement();
    if (permits.tryAcquire()) {
      callback.onAdmitted(ticket, 0);
      return ticket;
    }
    queue.offer(new Waiter(priority.ordinal(), ticket, callback, System.nanoTime()));
    if (permits.tryAcquire()) {
      handOver();
    }
    return ticket;
  }

  void complete() {
    handOver();
  }

  /** Gives one held permit to the first waiter, or back to the semaphore. */
  private void handOver() {
    Waiter w = queue.poll();
    if (w == null) {
      permits.release();
    } else {
      w.callback().onAdmitted(w.ticket(), System.nanoTime() - w.arrival());
    }
  }
}
