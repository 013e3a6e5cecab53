package ai.aim.proxy.http;

import ai.aim.proxy.metrics.Outcome;
import java.util.concurrent.Executor;

/**
 * The seam between the request path and the admission core: every classified request asks here
 * before it is forwarded.
 *
 * <p>Protocol, for every call of {@link #admit}:
 *
 * <ol>
 *   <li>{@code admit} returns a {@link Ticket} at once and later calls exactly one of {@link
 *       Callback#onAdmitted} or {@link Callback#onRejected}, always by running it on {@code
 *       eventLoop} (the request's own event loop), possibly before {@code admit} returns.
 *   <li>The request path calls {@link Ticket#release} exactly once per ticket, on the event loop,
 *       when the request ends for any reason. After {@code onAdmitted} this returns the permit;
 *       before any callback it withdraws the waiting request (the callback is then never called);
 *       after {@code onRejected} it does nothing.
 * </ol>
 *
 * <p>So admitted = completed + failed + cancelled, and no permit is ever lost. Implementations
 * are called from many event loops at once and must be thread-safe; they must not block.
 */
public interface Admission {

  /** Always admits at once, with no queue wait; used until the admission core is wired in. */
  Admission PASS_THROUGH = (head, eventLoop, callback) -> {
    callback.onAdmitted(0);
    return (outcome, upstreamNanos) -> {};
  };

  /**
   * Asks to admit {@code head}.
   *
   * @param head the classified request
   * @param eventLoop where {@code callback} must run
   * @param callback told the decision exactly once (unless the ticket is released first)
   * @return the ticket to release when the request ends
   */
  Ticket admit(RequestHead head, Executor eventLoop, Callback callback);

  /** Receives the decision, on the request's event loop. */
  interface Callback {

    /** Dispatch now. @param queueNanos how long the request waited in the admission queue */
    void onAdmitted(long queueNanos);

    /** Refused; the request path answers with the mapped status. */
    void onRejected(Rejection rejection);
  }

  /** One request's claim on the admission core; released exactly once. */
  @FunctionalInterface
  interface Ticket {

    /**
     * Ends the request's claim.
     *
     * @param outcome how the request ended (CANCELLED when the client went away)
     * @param upstreamNanos time spent at the model server, {@code -1} if it was never dispatched
     */
    void release(Outcome outcome, long upstreamNanos);
  }
}
