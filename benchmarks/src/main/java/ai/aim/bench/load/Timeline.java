package ai.aim.bench.load;

import ai.aim.proxy.admission.Priority;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per-second counts over a run, indexed by the second (since the run's start) in which a request
 * was meant to be sent (offered) or in which its answer arrived (ok, shed). Thread-safe; seconds
 * past the end are counted in the last bucket.
 */
public final class Timeline {

  final int seconds;
  private final AtomicLongArray offered;
  private final AtomicLongArray ok;
  private final AtomicLongArray shed;

  Timeline(int seconds) {
    this.seconds = Math.max(1, seconds);
    int n = this.seconds * Priority.values().length;
    offered = new AtomicLongArray(n);
    ok = new AtomicLongArray(n);
    shed = new AtomicLongArray(n);
  }

  void offered(Priority p, long sinceStartNanos) {
    offered.incrementAndGet(index(p, sinceStartNanos));
  }

  void ok(Priority p, long sinceStartNanos) {
    ok.incrementAndGet(index(p, sinceStartNanos));
  }

  void shed(Priority p, long sinceStartNanos) {
    shed.incrementAndGet(index(p, sinceStartNanos));
  }

  long offered(Priority p, int second) {
    return offered.get(second * 3 + p.ordinal());
  }

  long ok(Priority p, int second) {
    return ok.get(second * 3 + p.ordinal());
  }

  long shed(Priority p, int second) {
    return shed.get(second * 3 + p.ordinal());
  }

  private int index(Priority p, long nanos) {
    int s = (int) Math.min(seconds - 1, Math.max(0, nanos / 1_000_000_000L));
    return s * 3 + p.ordinal();
  }
}
