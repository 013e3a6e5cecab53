package ai.aim.bench.load;

/**
 * One tenant of a load: its key, its share of the arrivals (relative weight) and its prompt size.
 * Parsed from {@code name:weight:promptTokens}, e.g. {@code small:1:64}.
 */
public record TenantSpec(String name, double weight, int promptTokens) {

  /** Validates. */
  public TenantSpec {
    if (name == null || !name.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("tenant name: '" + name + "' (expected: letters, digits, '.', '_' or '-')");
    }
    if (!(weight > 0)) {
      throw new IllegalArgumentException("tenant " + name + " weight: " + weight + " (expected: > 0)");
    }
    if (promptTokens < 1) {
      throw new IllegalArgumentException("tenant " + name + " promptTokens: " + promptTokens + " (expected: >= 1)");
    }
  }

  /** Parses {@code name:weight:promptTokens}. */
  public static TenantSpec parse(String s) {
    String[] p = s.split(":");
    if (p.length != 3) {
      throw new IllegalArgumentException("tenant: '" + s + "' (expected: name:weight:promptTokens)");
    }
    try {
      return new TenantSpec(p[0], Double.parseDouble(p[1]), Integer.parseInt(p[2]));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("tenant: '" + s + "' (expected: name:weight:promptTokens with numbers)");
    }
  }
}
