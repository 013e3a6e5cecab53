package ai.aim.proxy.http;

import java.util.Set;

/**
 * Folds model names into bounded metric label values: a configured model keeps its name, anything
 * else becomes {@value #UNKNOWN}, so a client cannot create label values at will.
 *
 * <p>Immutable; safe on any thread.
 */
public final class ModelLabels {

  /** The label of every model that is not configured. */
  public static final String UNKNOWN = "unknown";

  private final Set<String> known;

  /** @param known the configured model names */
  public ModelLabels(Set<String> known) {
    this.known = Set.copyOf(known);
  }

  /** The label for {@code model}: itself when configured, else {@value #UNKNOWN}. */
  public String fold(String model) {
    return model != null && known.contains(model) ? model : UNKNOWN;
  }

  /** The configured names. */
  public Set<String> known() {
    return known;
  }
}
