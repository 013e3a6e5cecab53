package ai.aim.proxy.grpc;

import ai.aim.proxy.metrics.Outcome;
import io.grpc.Status;

/** Maps a call's final gRPC status to the {@link Outcome} the metrics count. Stateless. */
final class StatusOutcomes {

  private StatusOutcomes() {}

  /**
   * The outcome of a status that came back on the upstream call.
   *
   * <p>{@code UNAVAILABLE} with a cause is grpc-java's own answer when the connection to the model
   * server failed, so the sidecar made it ({@link Outcome#UNAVAILABLE}); {@code UNAVAILABLE}
   * without a cause is the model server's own answer ({@link Outcome#UPSTREAM_ERROR}).
   */
  static Outcome ofUpstream(Status status) {
    switch (status.getCode()) {
      case OK:
        return Outcome.OK;
      case CANCELLED:
        return Outcome.CANCELLED;
      case DEADLINE_EXCEEDED:
        return Outcome.DEADLINE;
      case UNAVAILABLE:
        return status.getCause() != null ? Outcome.UNAVAILABLE : Outcome.UPSTREAM_ERROR;
      case INVALID_ARGUMENT:
      case NOT_FOUND:
      case ALREADY_EXISTS:
      case PERMISSION_DENIED:
      case UNAUTHENTICATED:
      case FAILED_PRECONDITION:
      case OUT_OF_RANGE:
      case RESOURCE_EXHAUSTED:
      case ABORTED:
        return Outcome.CLIENT_ERROR;
      default:
        return Outcome.UPSTREAM_ERROR;
    }
  }

  /** The outcome of a refusal the admission made. */
  static Outcome ofRejection(Status status) {
    switch (status.getCode()) {
      case DEADLINE_EXCEEDED:
        return Outcome.DEADLINE;
      case UNAVAILABLE:
        return Outcome.UNAVAILABLE;
      case INVALID_ARGUMENT:
        return Outcome.BAD_REQUEST;
      case CANCELLED:
        return Outcome.CANCELLED;
      default:
        return Outcome.SHED;
    }
  }
}
