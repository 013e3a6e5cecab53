package ai.aim.proxy.admission;

import ai.aim.proxy.metrics.Outcome;

/**
 * Why admission refused a request. Each reason carries the answer the edge should give; the
 * mapping is documented in {@code docs/admission.md}.
 *
 * <p>Immutable; safe on any thread.
 */
public enum RejectReason {
  /** The queue of the request's class was at its {@code maxQueue} bound. 429. */
  QUEUE_FULL(429, "RESOURCE_EXHAUSTED", Outcome.SHED),
  /** The request waited {@code maxQueueWaitMs} in the queue without being dispatched. 429. */
  QUEUE_TIMEOUT(429, "RESOURCE_EXHAUSTED", Outcome.SHED),
  /**
   * The request would have had to queue while a higher class of the same model overflows (strict
   * priority; {@code shedWhileHigherOverflows}). 429.
   */
  OUTRANKED(429, "RESOURCE_EXHAUSTED", Outcome.SHED),
  /** Predicted completion (queue ahead and measured service time) lies past the deadline. 504. */
  DEADLINE_UNMEETABLE(504, "DEADLINE_EXCEEDED", Outcome.DEADLINE),
  /** The deadline passed before the request could be dispatched. 504. */
  DEADLINE_EXPIRED(504, "DEADLINE_EXCEEDED", Outcome.DEADLINE),
  /** The admission ring itself was full (the consumer cannot keep up). 429. */
  SATURATED(429, "RESOURCE_EXHAUSTED", Outcome.SHED),
  /**
   * The model server's own gauges (waiting requests, KV-cache use, or their staleness) hold the
   * class back, and its queue was full or its queue wait ran out meanwhile. 429.
   */
  ENGINE_SATURATED(429, "RESOURCE_EXHAUSTED", Outcome.SHED),
  /**
   * The model server was not ready (starting, loading its model) for the whole of {@code
   * admission.upstreamHoldMs} while the request waited. 503.
   */
  UPSTREAM_NOT_READY(503, "UNAVAILABLE", Outcome.UNAVAILABLE),
  /** The sidecar is shutting down and takes no new work. 503. */
  DRAINING(503, "UNAVAILABLE", Outcome.UNAVAILABLE);

  private final int httpStatus;
  private final String grpcStatus;
  private final Outcome outcome;

  RejectReason(int httpStatus, String grpcStatus, Outcome outcome) {
    this.httpStatus = httpStatus;
    this.grpcStatus = grpcStatus;
    this.outcome = outcome;
  }

  /** The HTTP status the edge answers with. */
  public int httpStatus() {
    return httpStatus;
  }

  /** The name of the gRPC status code the edge answers with (no gRPC types in this package). */
  public String grpcStatus() {
    return grpcStatus;
  }

  /** The outcome to record for the request. */
  public Outcome outcome() {
    return outcome;
  }

  /** Label value for metrics: {@code queue_full}, {@code deadline_unmeetable}, ... */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
