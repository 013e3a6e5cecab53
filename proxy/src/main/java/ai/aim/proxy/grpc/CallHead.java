package ai.aim.proxy.grpc;

import ai.aim.proxy.admission.Priority;
import java.util.Objects;

/**
 * What one gRPC call is, as far as admission needs to know: method, model, priority, tenant,
 * deadline and arrival time. Built on the call's event loop before admission.
 *
 * <p>Immutable except for the cancellation flag, which the call's event loop sets once when the
 * client goes away (or the deadline passes) before the call ends. {@link #isCancelled()} may be
 * read on any thread (e.g. an admission consumer deciding whether a queued call is still wanted).
 */
public final class CallHead {

  /** {@link #deadlineNanos()} of a call without a deadline. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  private final String fullMethodName;
  private final String model;
  private final Priority priority;
  private final String tenant;
  private final long arrivalNanos;
  private final long deadlineNanos;
  private volatile boolean cancelled;
  private Runnable cancelListener;

  CallHead(
      String fullMethodName,
      String model,
      Priority priority,
      String tenant,
      long arrivalNanos,
      long deadlineNanos) {
    this.fullMethodName = Objects.requireNonNull(fullMethodName, "fullMethodName");
    this.model = Objects.requireNonNull(model, "model");
    this.priority = Objects.requireNonNull(priority, "priority");
    this.tenant = tenant;
    this.arrivalNanos = arrivalNanos;
    this.deadlineNanos = deadlineNanos;
  }

  /** The gRPC method, e.g. {@code inference.GRPCInferenceService/ModelInfer}. */
  public String fullMethodName() {
    return fullMethodName;
  }

  /**
   * The model: metadata {@code x-aim-model}, else field 1 of the first request message of KServe
   * v2 {@code ModelInfer}/{@code ModelStreamInfer}, else the empty string; after the proxy's model
   * folding.
   */
  public String model() {
    return model;
  }

  /** From metadata {@code x-aim-priority}, else the configured default for the model. */
  public Priority priority() {
    return priority;
  }

  /** Metadata {@code x-aim-tenant}, or {@code null} when absent. */
  public String tenant() {
    return tenant;
  }

  /** When the call arrived, on the proxy's nano clock. */
  public long arrivalNanos() {
    return arrivalNanos;
  }

  /**
   * When the call's deadline passes, on the proxy's nano clock: the earlier of {@code
   * grpc-timeout} and {@code x-aim-deadline-ms}; {@link #NO_DEADLINE} when neither was given.
   */
  public long deadlineNanos() {
    return deadlineNanos;
  }

  /** True once the client went away or the deadline passed before the call ended. */
  public boolean isCancelled() {
    return cancelled;
  }

  /**
   * Registers the one listener run (on the call's event loop) when the call is cancelled before
   * it ends, e.g. to free its queue slot. Runs at once if already cancelled. Call on the call's
   * event loop (inside {@link GrpcAdmission#admit}); a second registration replaces the first.
   */
  public void onCancel(Runnable listener) {
    if (cancelled) {
      listener.run();
    } else {
      this.cancelListener = listener;
    }
  }

  /** Marks the call cancelled and runs the listener; on the call's event loop, once. */
  void cancel() {
    if (cancelled) {
      return;
    }
    cancelled = true;
    Runnable listener = cancelListener;
    cancelListener = null;
    if (listener != null) {
      listener.run();
    }
  }

  @Override
  public String toString() {
    return "CallHead[" + fullMethodName + ", model=" + model + ", priority=" + priority.label()
        + (tenant == null ? "" : ", tenant=" + tenant) + "]";
  }
}
