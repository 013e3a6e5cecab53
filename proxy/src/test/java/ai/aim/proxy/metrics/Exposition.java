package ai.aim.proxy.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a Prometheus text exposition into "name{labels}" to value (labels as written). */
final class Exposition {
  private Exposition() {}

  static Map<String, Double> parse(String text) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      out.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
    }
    return out;
  }
}
