package ai.aim.proxy.grpc;

import ai.aim.proxy.admission.AdmissionCallback;
import ai.aim.proxy.admission.AdmissionController;
import ai.aim.proxy.admission.Rejection;
import ai.aim.proxy.metrics.Outcome;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The gRPC pass-through's {@link GrpcAdmission} seam backed by the admission core ({@link
 * AdmissionController}). A refusal becomes {@code RESOURCE_EXHAUSTED} (shed), {@code
 * DEADLINE_EXCEEDED} (deadline unmeetable or expired) or {@code UNAVAILABLE} (draining), with the
 * trailing metadata {@value #RETRY_AFTER_KEY} (milliseconds) and {@value #REASON_KEY} (e.g. {@code
 * queue_full}).
 *
 * <p>Threads: {@link #admit} runs on the call's event loop; the decision arrives on the admission
 * thread and is handed to the proxy's callback, which moves it onto the call's loop. A call
 * cancelled while queued is withdrawn from the core; every admitted ticket is completed exactly
 * once, through its {@link GrpcAdmission.Permit}. The controller must run on the same nano clock
 * as the proxy (deadlines are absolute). Thread-safe.
 */
public final class GrpcCoreAdmission implements GrpcAdmission {

  /** Trailing metadata: the client's back-off hint in milliseconds. */
  public static final String RETRY_AFTER_KEY = "retry-after-ms";

  /** Trailing metadata: why the call was refused ({@code queue_full}, {@code draining}, ...). */
  public static final String REASON_KEY = "x-aim-reject-reason";

  static final Metadata.Key<String> RETRY_AFTER =
      Metadata.Key.of(RETRY_AFTER_KEY, Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> REASON =
      Metadata.Key.of(REASON_KEY, Metadata.ASCII_STRING_MARSHALLER);

  private final AdmissionController controller;
  private final LongSupplier nanoClock;

  /**
   * @param controller the admission core
   * @param nanoClock the proxy's clock, used to measure the time from dispatch to release
   */
  public GrpcCoreAdmission(AdmissionController controller, LongSupplier nanoClock) {
    this.controller = Objects.requireNonNull(controller, "controller");
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
  }

  @Override
  public void admit(CallHead head, Executor executor, Callback callback) {
    Handle h = new Handle(callback);
    long deadline =
        head.deadlineNanos() == CallHead.NO_DEADLINE
            ? AdmissionController.NO_DEADLINE
            : head.deadlineNanos();
    h.ticket = controller.submit(head.model(), head.priority(), deadline, head.tenant(), 1, h);
    head.onCancel(h::onCallCancelled);
  }

  /** The gRPC status for a refusal, with its trailers. */
  static Status status(Rejection r) {
    Status.Code code = Status.Code.valueOf(r.reason().grpcStatus());
    return Status.fromCode(code).withDescription(
        r.reason().label().replace('_', ' ') + " for " + r.priority().label()
            + " priority (model " + r.model() + ")");
  }

  static Metadata trailers(Rejection r) {
    Metadata m = new Metadata();
    m.put(REASON, r.reason().label());
    if (r.retryAfterMillis() > 0) {
      m.put(RETRY_AFTER, Long.toString(r.retryAfterMillis()));
    }
    return m;
  }

  private static final int WAITING = 0;
  private static final int ADMITTED = 1;
  private static final int REJECTED = 2;
  private static final int CANCELLED = 3;

  /**
   * One call's ticket. The state moves once from WAITING to ADMITTED, REJECTED or CANCELLED; the
   * decision (admission thread) and the cancellation (event loop) race through a CAS, so exactly one
   * of "hand the permit over" and "withdraw the ticket" happens.
   */
  private final class Handle extends AtomicInteger implements AdmissionCallback, Permit {
    private static final long serialVersionUID = 1L;
    private final transient Callback callback;
    private final AtomicBoolean released = new AtomicBoolean();
    volatile long ticket = AdmissionController.NO_TICKET;
    private volatile long dispatchedNanos;

    Handle(Callback callback) {
      super(WAITING);
      this.callback = callback;
    }

    @Override
    public void onAdmitted(long t, long queueWaitNanos) {
      dispatchedNanos = nanoClock.getAsLong();
      if (compareAndSet(WAITING, ADMITTED)) {
        callback.admitted(this);
      } else {
        // Cancelled while the decision was on its way: the core counts it in flight, free it.
        controller.cancel(t);
      }
    }

    @Override
    public void onRejected(long t, Rejection r) {
      if (compareAndSet(WAITING, REJECTED)) {
        callback.rejected(status(r), trailers(r));
      }
    }

    void onCallCancelled() {
      if (compareAndSet(WAITING, CANCELLED)) {
        controller.cancel(ticket);
      }
    }

    @Override
    public void release(Outcome outcome) {
      if (released.compareAndSet(false, true)) {
        controller.complete(ticket, outcome, nanoClock.getAsLong() - dispatchedNanos);
      }
    }
  }
}
