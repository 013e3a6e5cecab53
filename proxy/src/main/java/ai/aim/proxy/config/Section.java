package ai.aim.proxy.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads typed values from one mapping of the YAML tree, with errors that name the full key. */
final class Section {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KiB|MiB|GiB)?");

  private final String path;
  private final JsonNode node;

  Section(String path, JsonNode node) throws ConfigException {
    this.path = path;
    this.node = node == null || node.isNull() ? MissingNode.getInstance() : node;
    if (!this.node.isMissingNode() && !this.node.isObject()) {
      throw new ConfigException(
          (path.isEmpty() ? "configuration" : path) + ": " + describe(node) + " (expected: a mapping)");
    }
  }

  /** Fails on any key not in {@code known}. */
  void onlyKeys(Set<String> known) throws ConfigException {
    Iterator<String> it = node.fieldNames();
    List<String> unknown = new ArrayList<>();
    while (it.hasNext()) {
      String k = it.next();
      if (!known.contains(k)) {
        unknown.add(k);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException(
          "unknown key '" + key(unknown.get(0)) + "' (expected one of: "
              + String.join(", ", new TreeSet<>(known)) + ")");
    }
  }

  Section section(String k) throws ConfigException {
    return new Section(key(k), node.get(k));
  }

  JsonNode raw(String k) {
    JsonNode n = node.get(k);
    return n == null ? MissingNode.getInstance() : n;
  }

  String string(String k, String def) throws ConfigException {
    JsonNode n = node.get(k);
    if (n == null || n.isNull()) {
      return def;
    }
    if (!n.isTextual() && !n.isNumber()) {
      throw new ConfigException(key(k) + ": " + describe(n) + " (expected: a string)");
    }
    return n.asText();
  }

  int integer(String k, int def, int min, int max) throws ConfigException {
    JsonNode n = node.get(k);
    if (n == null || n.isNull()) {
      return def;
    }
    if (!n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < min || n.asInt() > max) {
      throw new ConfigException(
          key(k) + ": " + describe(n) + " (expected: a whole number from " + min + " to " + max + ")");
    }
    return n.asInt();
  }

  Integer optionalInteger(String k, int min, int max) throws ConfigException {
    JsonNode n = node.get(k);
    if (n == null || n.isNull()) {
      return null;
    }
    return integer(k, 0, min, max);
  }

  Duration duration(String k, Duration def) throws ConfigException {
    JsonNode n = node.get(k);
    if (n == null || n.isNull()) {
      return def;
    }
    Matcher m = DURATION.matcher(n.asText().trim());
    if (!n.isTextual() || !m.matches()) {
      throw new ConfigException(
          key(k) + ": " + describe(n) + " (expected: a duration such as 500ms, 30s, 2m or 1h)");
    }
    long v = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return Duration.ofMillis(v);
      case "s":
        return Duration.ofSeconds(v);
      case "m":
        return Duration.ofMinutes(v);
      default:
        return Duration.ofHours(v);
    }
  }

  long size(String k, long def, long min) throws ConfigException {
    JsonNode n = node.get(k);
    if (n == null || n.isNull()) {
      return def;
    }
    Matcher m = SIZE.matcher(n.asText().trim());
    if (!(n.isTextual() || n.isIntegralNumber()) || !m.matches()) {
      throw new ConfigException(
          key(k) + ": " + describe(n) + " (expected: a size such as 16384, 16KiB, 256MiB or 1GiB)");
    }
    long v = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    long mult = switch (unit) {
      case "KiB" -> 1024L;
      case "MiB" -> 1024L * 1024;
      case "GiB" -> 1024L * 1024 * 1024;
      default -> 1L;
    };
    long bytes = v * mult;
    if (bytes < min) {
      throw new ConfigException(key(k) + ": " + describe(n) + " (expected: at least " + min + " bytes)");
    }
    return bytes;
  }

  <E extends Enum<E>> E enumValue(String k, Class<E> type, E def) throws ConfigException {
    String v = string(k, null);
    if (v == null) {
      return def;
    }
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(v)) {
        return e;
      }
    }
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(e.name().toLowerCase(Locale.ROOT));
    }
    throw new ConfigException(key(k) + ": '" + v + "' (expected: " + String.join(" or ", names) + ")");
  }

  URI httpUrl(String k, URI def) throws ConfigException {
    String v = string(k, null);
    if (v == null) {
      return def;
    }
    try {
      URI u = new URI(v);
      if (!"http".equals(u.getScheme()) || u.getHost() == null
          || (u.getPath() != null && !u.getPath().isEmpty() && !u.getPath().equals("/"))
          || u.getQuery() != null) {
        throw new IllegalArgumentException();
      }
      return new URI("http", null, u.getHost(), u.getPort(), null, null, null);
    } catch (Exception e) {
      throw new ConfigException(key(k) + ": '" + v + "' (expected: a URL such as http://127.0.0.1:8000, no path)");
    }
  }

  String hostPort(String k, String def) throws ConfigException {
    String v = string(k, null);
    if (v == null) {
      return def;
    }
    int colon = v.lastIndexOf(':');
    boolean ok = colon > 0 && colon < v.length() - 1;
    if (ok) {
      try {
        int port = Integer.parseInt(v.substring(colon + 1));
        ok = port > 0 && port <= 65535;
      } catch (NumberFormatException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw new ConfigException(key(k) + ": '" + v + "' (expected: host:port, e.g. 127.0.0.1:8001)");
    }
    return v;
  }

  private String key(String k) {
    return path.isEmpty() ? k : path + "." + k;
  }

  private static String describe(JsonNode n) {
    if (n.isTextual()) {
      return "'" + n.asText() + "'";
    }
    return n.toString();
  }
}
