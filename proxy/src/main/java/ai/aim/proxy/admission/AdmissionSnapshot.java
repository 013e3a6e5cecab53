package ai.aim.proxy.admission;

import java.util.List;
import java.util.Map;

/**
 * The admission state at one instant, for metrics, {@code /admin} and load reports. Built by the
 * admission thread (at most every {@code snapshotIntervalMs}, or on demand) and published
 * through a volatile reference; immutable, safe on any thread.
 *
 * @param takenAtNanos when it was taken, on the admission clock
 * @param models per folded model name
 */
public record AdmissionSnapshot(long takenAtNanos, Map<String, Model> models) {

  public AdmissionSnapshot {
    models = Map.copyOf(models);
  }

  /** An empty snapshot, before the admission thread published its first one. */
  public static AdmissionSnapshot empty(long nanos) {
    return new AdmissionSnapshot(nanos, Map.of());
  }

  /**
   * One model.
   *
   * @param model folded name
   * @param limit current concurrency limit (adaptive or static)
   * @param reservedHigh permits only HIGH may use
   * @param inflight dispatched and not yet completed or cancelled
   * @param serviceTimeMillis EWMA of measured upstream time ({@code 0} before any sample)
   * @param engineSaturated whether the engine signal currently restricts a class (including
   *     staleness)
   * @param classes per class, indexed by {@link Priority#ordinal()}
   * @param engine the last reading of the model server's gauges
   * @param limitOverride a limit set from outside (the scheduler) that replaces the policy's, or
   *     0 for none; {@code limit} already reflects it
   * @param highOvercommitted HIGH requests dispatched beyond the limit ({@code highOvercommit})
   *     since start: with an engine that preempts, about one preemption each
   */
  public record Model(
      String model,
      int limit,
      int reservedHigh,
      int inflight,
      double serviceTimeMillis,
      boolean engineSaturated,
      List<Class> classes,
      Engine engine,
      int limitOverride,
      long highOvercommitted) {

    public Model {
      classes = List.copyOf(classes);
    }

    /** The entry of one class. */
    public Class of(Priority p) {
      return classes.get(p.ordinal());
    }
  }

  /**
   * The model server's gauges as the admission thread last saw them.
   *
   * @param enabled whether the model's policy uses engine signals
   * @param hasReading whether any reading arrived yet
   * @param waitingRequests requests waiting inside the engine, last reading
   * @param kvCacheUsage KV-cache use 0..1, last reading
   * @param readingAgeSeconds age of the last reading, or {@code NaN} without one
   * @param stale whether the reading (or its absence) is older than {@code staleAfterMs}, which
   *     counts as saturated
   */
  public record Engine(
      boolean enabled,
      boolean hasReading,
      int waitingRequests,
      double kvCacheUsage,
      double readingAgeSeconds,
      boolean stale) {

    /** A model whose policy does not use engine signals. */
    public static final Engine DISABLED = new Engine(false, false, 0, 0, Double.NaN, false);
  }

  /**
   * One priority class of one model.
   *
   * @param priority the class
   * @param queueDepth requests waiting
   * @param inflight requests of this class dispatched and not finished
   * @param ceiling most in-flight requests this class may have now (limit, reserve, share and
   *     engine saturation applied)
   * @param admitted dispatches since start
   * @param shedByReason refusals since start, per reason
   * @param arrivalRate arrivals per second (EWMA)
   * @param admitRate dispatches per second (EWMA): the drain rate behind {@code Retry-After}
   * @param shedRate refusals per second (EWMA)
   */
  public record Class(
      Priority priority,
      int queueDepth,
      int inflight,
      int ceiling,
      long admitted,
      Map<RejectReason, Long> shedByReason,
      double arrivalRate,
      double admitRate,
      double shedRate) {

    public Class {
      shedByReason = Map.copyOf(shedByReason);
    }

    /** Refusals since start, all reasons. */
    public long shed() {
      long s = 0;
      for (long v : shedByReason.values()) {
        s += v;
      }
      return s;
    }
  }
}
