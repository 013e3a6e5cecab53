package ai.aim.proxy.propagation;

import java.util.Objects;

/**
 * The propagation settings the edges read for every request, replaced as a whole on a config
 * reload. Thread-safe: a volatile reference to an immutable {@link PropagationConfig}; readers on
 * event loops never lock.
 */
public final class PriorityPropagation {

  private volatile PropagationConfig config;

  /** Propagation off everywhere (the edges' default). */
  public static PriorityPropagation off() {
    return new PriorityPropagation(PropagationConfig.NONE);
  }

  public PriorityPropagation(PropagationConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  /** The policy of a model (folded name), {@link PropagationPolicy#OFF} when none is set. */
  public PropagationPolicy policyFor(String model) {
    return config.policyFor(model);
  }

  /** Applies a reloaded configuration to later requests. */
  public void update(PropagationConfig next) {
    this.config = Objects.requireNonNull(next, "config");
  }

  /** The configuration in force. */
  public PropagationConfig config() {
    return config;
  }
}
