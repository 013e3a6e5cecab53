package ai.aim.proxy.grpc;

import ai.aim.proxy.metrics.Outcome;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.concurrent.Executor;

/**
 * The admission seam of the gRPC pass-through: called once per call, after the call's head
 * (model, priority, tenant, deadline) is known and before anything is sent to the model server.
 *
 * <p>Threading: {@link #admit} is called on the call's event loop and must not block. The
 * implementation answers exactly once through the {@link Callback}, on {@code executor} (the call's
 * event loop); answering from another thread is tolerated (the proxy hops back to the loop) but
 * costs a task hop. A call whose client went away while it waited reports {@link
 * CallHead#isCancelled()} and runs the listener registered with {@link CallHead#onCancel}; an
 * admission that answers such a call anyway gets its permit back at once.
 */
@FunctionalInterface
public interface GrpcAdmission {

  /** Admits every call at once; the default when none is configured. */
  GrpcAdmission ADMIT_ALL = (head, executor, callback) -> callback.admitted(Permit.NONE);

  /**
   * Decides whether the call may go to the model server.
   *
   * @param head what the call is (immutable apart from its cancellation flag)
   * @param executor the call's event loop, where {@code callback} should be invoked
   * @param callback the proxy's side; call exactly one of its methods exactly once
   */
  void admit(CallHead head, Executor executor, Callback callback);

  /** The answer to one {@link #admit} call. Only the first answer counts; later ones are ignored. */
  interface Callback {

    /**
     * Forward the call. The proxy calls {@link Permit#release} exactly once when the call ends
     * (or at once if the call was already cancelled or past its deadline).
     */
    void admitted(Permit permit);

    /**
     * Refuse the call: the client gets {@code status} (e.g. {@code RESOURCE_EXHAUSTED} for a shed
     * call, {@code DEADLINE_EXCEEDED} for one that cannot meet its deadline) with {@code trailers}
     * (may be {@code null}), and the model server never sees it.
     */
    void rejected(Status status, Metadata trailers);
  }

  /** One unit of admitted concurrency, returned exactly once with how the call ended. */
  @FunctionalInterface
  interface Permit {

    /** A permit that tracks nothing. */
    Permit NONE = outcome -> {};

    /** Called on the call's event loop when the call has ended. */
    void release(Outcome outcome);
  }
}
