package ai.aim.proxy.admin;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The admin route table: path to route, exact match. Other parts of the sidecar register their
 * endpoints here ({@code routes.register("/slo", sloRoute)}), before or after the listener starts.
 *
 * <p>Thread-safe.
 */
public final class AdminRoutes {

  private final Map<String, AdminRoute> routes = new ConcurrentHashMap<>();

  /**
   * Registers {@code route} at {@code path}.
   *
   * @throws IllegalArgumentException if the path does not start with {@code /} or is taken
   */
  public AdminRoutes register(String path, AdminRoute route) {
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("admin path: '" + path + "' (expected: starting with /)");
    }
    if (routes.putIfAbsent(path, route) != null) {
      throw new IllegalArgumentException("admin path: '" + path + "' is already registered");
    }
    return this;
  }

  /** The route at {@code path}, or {@code null}. */
  public AdminRoute get(String path) {
    return routes.get(path);
  }

  /** The registered paths, sorted. */
  public Set<String> paths() {
    return new TreeSet<>(routes.keySet());
  }
}
