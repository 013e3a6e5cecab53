package ai.aim.proxy.admin;

import java.util.List;
import java.util.Map;

/**
 * An admin request as a route sees it. Immutable.
 *
 * @param method e.g. {@code GET}
 * @param path the path without the query string
 * @param query decoded query parameters
 */
public record AdminRequest(String method, String path, Map<String, List<String>> query) {

  public AdminRequest {
    query = Map.copyOf(query);
  }
}
