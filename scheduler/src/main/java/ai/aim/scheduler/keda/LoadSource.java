package ai.aim.scheduler.keda;

import java.util.Optional;

/**
 * Where the scaler reads a model's aggregated sidecar load. Implemented by the scheduler's report
 * aggregate; must be safe to call from any thread and cheap (it is read on every KEDA call and on
 * every periodic check).
 */
@FunctionalInterface
public interface LoadSource {

  /** The model's current load, or empty when no sidecar of it is reporting (no replicas). */
  Optional<ModelLoad> load(String namespace, String model);
}
