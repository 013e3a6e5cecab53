package ai.aim.proxy.metrics;

import java.util.Locale;

/**
 * Why admission refused a request: the {@code reason} label of {@code aim_admission_shed_total}.
 * A fixed set, so the label stays bounded. Immutable.
 */
public enum ShedReason {
  /** The priority's queue was at its maximum length. */
  QUEUE_FULL,
  /** The request waited in the queue longer than the priority's maximum queue wait. */
  QUEUE_TIMEOUT,
  /** The deadline could not be met given the queue and the measured service time. */
  DEADLINE,
  /**
   * Refused at once to protect a higher priority: the request would have had to queue behind a
   * higher class that overflows (reason {@code OUTRANKED} of the admission core).
   */
  PRIORITY,
  /** The sidecar is draining or shutting down. */
  DRAINING,
  /**
   * The model server's own gauges (waiting requests, KV-cache use) or their staleness held the
   * priority back while its queue was full or its queue wait ran out.
   */
  ENGINE_SATURATED,
  /** The model server stayed not ready for the whole hold ({@code admission.upstreamHoldMs}). */
  UPSTREAM_NOT_READY;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The metric label value, e.g. {@code queue_full}. */
  public String label() {
    return label;
  }
}
