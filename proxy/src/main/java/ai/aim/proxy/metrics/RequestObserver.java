package ai.aim.proxy.metrics;

import ai.aim.proxy.admission.Priority;

/**
 * Receives one call per finished request, from the thread that finished it (an event loop).
 * Implementations must be wait-free and must not allocate on this path: they sit on every
 * request.
 *
 * <p>Times are in nanoseconds; a phase that did not happen is {@code -1} (e.g. no queue wait for
 * a request that was shed, no first byte for one that failed before the answer started).
 */
@FunctionalInterface
public interface RequestObserver {

  /** An observer that drops everything. */
  RequestObserver NOOP = (model, priority, outcome, queueNanos, upstreamNanos, ttfbNanos, totalNanos) -> {};

  /**
   * @param model the model name after folding (unknown models arrive as one value, never a raw
   *     client string)
   * @param priority the class the request was admitted or refused in
   * @param outcome how it ended
   * @param queueNanos time in the admission queue
   * @param upstreamNanos time from dispatch to the end of the model server's answer
   * @param ttfbNanos time from arrival to the first response byte sent to the client
   * @param totalNanos time from arrival to the last byte (or the refusal)
   */
  void onComplete(
      String model,
      Priority priority,
      Outcome outcome,
      long queueNanos,
      long upstreamNanos,
      long ttfbNanos,
      long totalNanos);
}
