package ai.aim.proxy.http;

import ai.aim.proxy.admission.AdmissionCallback;
import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.metrics.Outcome;
import io.netty.util.concurrent.EventExecutor;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * The HTTP path's {@link Admission} seam backed by the admission core ({@link
 * AdmissionController}). Decisions arrive on the admission thread and hop to the request's event
 * loop; a release there completes the ticket (admitted) or cancels it (still queued).
 *
 * <p>The controller must run on the same nano clock as the HTTP path, because deadlines are handed
 * over as absolute times. Thread-safe: each {@link Handle} is touched by the admission thread only
 * through its callback methods, which do nothing but schedule onto the event loop.
 */
public final class CoreAdmission implements Admission {

  private final AdmissionController controller;

  public CoreAdmission(AdmissionController controller) {
    this.controller = Objects.requireNonNull(controller, "controller");
  }

  @Override
  public Ticket admit(RequestHead head, Executor eventLoop, Callback callback) {
    Handle h = new Handle(controller, eventLoop, callback);
    long deadline = head.hasDeadline() ? head.deadlineNanos() : AdmissionController.NO_DEADLINE;
    h.ticket = controller.submit(
        head.modelLabel(), head.priority(), deadline, head.tenant(), head.costTokens(), h);
    return h;
  }

  /** One request's ticket. Its state fields are confined to the request's event loop. */
  private static final class Handle implements AdmissionCallback, Ticket {
    private final AdmissionController controller;
    private final Executor loop;
    private final Callback callback;
    long ticket = AdmissionController.NO_TICKET;
    private boolean admitted;
    private boolean rejected;
    private boolean released;

    Handle(AdmissionController controller, Executor loop, Callback callback) {
      this.controller = controller;
      this.loop = loop;
      this.callback = callback;
    }

    @Override
    public void onAdmitted(long t, long queueWaitNanos) {
      loop.execute(() -> {
        if (released) {
          return; // cancelled while the decision was on its way; the core freed the permit
        }
        admitted = true;
        callback.onAdmitted(queueWaitNanos);
      });
    }

    @Override
    public void onRejected(long t, ai.aim.proxy.admission.Rejection r) {
      if (loop instanceof EventExecutor e && e.inEventLoop()) {
        // Refused at the gate, on the request's own event loop while it submits: answer now
        // rather than after the loop's other work (the exchange takes an answer during admit).
        reject(r);
      } else {
        loop.execute(() -> reject(r));
      }
    }

    private void reject(ai.aim.proxy.admission.Rejection r) {
      rejected = true;
      if (released) {
        return;
      }
      callback.onRejected(new Rejection(
          r.reason().outcome(),
          r.reason().label().replace('_', ' ') + " for " + r.priority().label() + " priority",
          r.retryAfterMillis(),
          r.reason().label(),
          r.priority().label(),
          r.model()));
    }

    @Override
    public void release(Outcome outcome, long upstreamNanos) {
      if (released) {
        return;
      }
      released = true;
      if (admitted) {
        controller.complete(ticket, outcome, upstreamNanos);
      } else if (!rejected) {
        controller.cancel(ticket);
      }
    }
  }
}
