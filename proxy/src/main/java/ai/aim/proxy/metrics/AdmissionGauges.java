package ai.aim.proxy.metrics;

import ai.aim.proxy.admission.Priority;

/**
 * What the metrics read from admission state at scrape time. The admission core implements it
 * (typically over a snapshot it publishes from its consumer thread), so the metrics know nothing
 * of its types.
 *
 * <p>Called from the scraping thread: implementations must be thread-safe and cheap (read a
 * published value, no locks held by the admission consumer).
 */
public interface AdmissionGauges {

  /** Requests waiting in the admission queue of a priority. */
  long queueDepth(Priority priority);

  /** Requests dispatched to the model server and not yet finished. */
  long inFlight();

  /** The current concurrency limit towards the model server. */
  long limit();

  /** Requests admitted (dispatched) since start, per priority; never decreases. */
  long admitted(Priority priority);

  /** Requests refused by admission since start, per priority and reason; never decreases. */
  long shed(Priority priority, ShedReason reason);

  /** HIGH requests dispatched beyond the limit ({@code highOvercommit}) since start. */
  default long highOvercommitted() {
    return 0;
  }

  /** Zero everywhere: for a sidecar without admission state yet (and for tests). */
  AdmissionGauges NONE =
      new AdmissionGauges() {
        @Override
        public long queueDepth(Priority priority) {
          return 0;
        }

        @Override
        public long inFlight() {
          return 0;
        }

        @Override
        public long limit() {
          return 0;
        }

        @Override
        public long admitted(Priority priority) {
          return 0;
        }

        @Override
        public long shed(Priority priority, ShedReason reason) {
          return 0;
        }
      };
}
