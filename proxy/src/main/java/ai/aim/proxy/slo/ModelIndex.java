package ai.aim.proxy.slo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A fixed map from model name to a dense index, with every name not in it folded into
 * {@link SloConfig#UNKNOWN_MODEL}, which is always the last index. Look-up does not allocate
 * ({@link String#hashCode()} is cached in the string, the boxed indexes are created here).
 *
 * <p>Immutable after construction; safe on any thread.
 */
public final class ModelIndex {
  private final Map<String, Integer> indexes;
  private final List<String> names;
  private final int unknown;

  /** Builds the index: the given models in order (duplicates and "unknown" dropped), then "unknown". */
  public ModelIndex(Collection<String> models) {
    LinkedHashSet<String> distinct = new LinkedHashSet<>();
    for (String m : models) {
      if (m == null || m.isBlank()) {
        throw new IllegalArgumentException("model: \"" + m + "\" (expected: a non-blank name)");
      }
      if (!m.equals(SloConfig.UNKNOWN_MODEL)) {
        distinct.add(m);
      }
    }
    List<String> all = new ArrayList<>(distinct);
    all.add(SloConfig.UNKNOWN_MODEL);
    this.names = List.copyOf(all);
    this.indexes = new HashMap<>(all.size() * 2);
    for (int i = 0; i < all.size(); i++) {
      indexes.put(all.get(i), i);
    }
    this.unknown = all.size() - 1;
  }

  /** The index of a model, or of "unknown" for a name not registered (or {@code null}). */
  public int indexOf(String model) {
    if (model == null) {
      return unknown;
    }
    Integer i = indexes.get(model);
    return i == null ? unknown : i;
  }

  /** The name at an index. */
  public String name(int index) {
    return names.get(index);
  }

  /** All names, "unknown" last. */
  public List<String> names() {
    return names;
  }

  /** How many names, "unknown" included. */
  public int size() {
    return names.size();
  }
}
