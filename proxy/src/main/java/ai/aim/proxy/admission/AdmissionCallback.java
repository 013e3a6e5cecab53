package ai.aim.proxy.admission;

/**
 * How the admission core answers one submitted request. Exactly one of the two methods is called
 * once per ticket, unless the edge cancels the ticket while it is still queued: a cancelled
 * queued ticket gets no call at all (the edge already knows it cancelled).
 *
 * <p><b>Threading:</b> both methods run on the admission thread (the ring's single consumer), or,
 * when the ring is full or the controller closed, on the thread that called {@link
 * AdmissionController#submit}. Implementations must be short and must not block: hop to the
 * request's own event loop (e.g. {@code channel.eventLoop().execute(...)}) and do the work there.
 * Do not call {@link AdmissionController} from inside the callback on the admission thread
 * itself; hop first (publishing to a full ring from its own consumer would wait forever).
 *
 * <p>Because of the hop, an edge that cancels on its own event loop may still see {@code
 * onAdmitted} for a ticket it has just cancelled (the hop was already under way): it must check
 * its own state and, if it cancelled, not forward the request. The core has already freed the
 * permit when it processed the cancel.
 */
public interface AdmissionCallback {

  /**
   * The request may go to the model server now. The edge must later call {@link
   * AdmissionController#complete} or {@link AdmissionController#cancel} with the ticket, or the
   * permit stays taken.
   *
   * @param ticket the ticket returned by {@code submit}
   * @param queueWaitNanos time from arrival to dispatch on the admission clock
   */
  void onAdmitted(long ticket, long queueWaitNanos);

  /**
   * The request was refused; the ticket is finished and needs no {@code complete}.
   *
   * @param ticket the ticket returned by {@code submit} ({@link AdmissionController#NO_TICKET}
   *     when refused before a ticket existed)
   * @param rejection why, and when to retry
   */
  void onRejected(long ticket, Rejection rejection);
}
