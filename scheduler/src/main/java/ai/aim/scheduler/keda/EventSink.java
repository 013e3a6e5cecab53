package ai.aim.scheduler.keda;

/**
 * Where the scaler and the ScaledObject reconciler report what an operator should see ({@code
 * kubectl describe}). Implementations must be safe to call from any thread and must not throw.
 */
@FunctionalInterface
public interface EventSink {

  /** Event severity, as in Kubernetes. */
  enum Type {
    NORMAL("Normal"),
    WARNING("Warning");

    private final String kubernetesName;

    Type(String kubernetesName) {
      this.kubernetesName = kubernetesName;
    }

    public String kubernetesName() {
      return kubernetesName;
    }
  }

  /**
   * The object an event is about.
   *
   * @param apiVersion e.g. {@code keda.sh/v1alpha1}
   * @param kind e.g. {@code ScaledObject}
   * @param namespace its namespace
   * @param name its name
   * @param uid its uid, or {@code null} when unknown
   */
  record InvolvedObject(String apiVersion, String kind, String namespace, String name, String uid) {}

  /** Discards events. */
  EventSink NONE = (object, type, reason, message) -> {};

  void emit(InvolvedObject object, Type type, String reason, String message);
}
