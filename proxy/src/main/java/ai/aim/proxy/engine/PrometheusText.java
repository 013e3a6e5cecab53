package ai.aim.proxy.engine;

import java.util.OptionalDouble;

/**
 * A small reader of the Prometheus text exposition format, enough for a model server's gauges:
 * lines {@code name{labels} value [timestamp]}, comments and blank lines skipped. Stateless; safe
 * on any thread.
 */
final class PrometheusText {

  /** The label that names a model in vLLM's metrics. */
  static final String MODEL_LABEL = "model_name";

  private PrometheusText() {}

  /**
   * Sums the samples of {@code metric}. A series that carries a {@code model_name} label counts
   * only when that label equals {@code model}; a series without one always counts (a single-model
   * server). Unparseable lines are skipped.
   *
   * @param model the model to match, or {@code null} to count every series
   * @return the sum, or empty when no series matched
   */
  static OptionalDouble sum(String text, String metric, String model) {
    return sum(text, metric, MODEL_LABEL, model);
  }

  /**
   * Sums the samples of {@code metric} whose label {@code modelLabel} equals {@code model}, plus
   * those without that label.
   */
  static OptionalDouble sum(String text, String metric, String modelLabel, String model) {
    double total = 0;
    boolean found = false;
    int pos = 0;
    int n = text.length();
    while (pos < n) {
      int end = text.indexOf('\n', pos);
      if (end < 0) {
        end = n;
      }
      int start = pos;
      while (start < end && (text.charAt(start) == ' ' || text.charAt(start) == '\t')) {
        start++;
      }
      pos = end + 1;
      // Most lines belong to other metrics: look before cutting the line out.
      if (!text.startsWith(metric, start)) {
        continue;
      }
      String line = text.substring(start, end).trim();
      int i = metric.length();
      if (i == line.length()) {
        continue;
      }
      char c = line.charAt(i);
      String labels = "";
      if (c == '{') {
        int close = closingBrace(line, i);
        if (close < 0) {
          continue;
        }
        labels = line.substring(i + 1, close);
        i = close + 1;
      } else if (c != ' ' && c != '\t') {
        continue; // a longer name sharing the prefix
      }
      String rest = line.substring(i).trim();
      int sp = rest.indexOf(' ');
      String value = sp < 0 ? rest : rest.substring(0, sp);
      double v;
      try {
        v = Double.parseDouble(value);
      } catch (NumberFormatException e) {
        continue;
      }
      if (Double.isNaN(v)) {
        continue;
      }
      String labelModel = label(labels, modelLabel);
      if (model != null && labelModel != null && !labelModel.equals(model)) {
        continue;
      }
      total += v;
      found = true;
    }
    return found ? OptionalDouble.of(total) : OptionalDouble.empty();
  }

  /** The closing brace of a label set, skipping braces inside quoted values. */
  private static int closingBrace(String line, int open) {
    boolean quoted = false;
    for (int i = open + 1; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == '}') {
        return i;
      }
    }
    return -1;
  }

  /** The unescaped value of label {@code name} in {@code a="x",b="y"}, or null. */
  static String label(String labels, String name) {
    int i = 0;
    int n = labels.length();
    while (i < n) {
      while (i < n && (labels.charAt(i) == ',' || labels.charAt(i) == ' ')) {
        i++;
      }
      int eq = labels.indexOf('=', i);
      if (eq < 0 || eq + 1 >= n || labels.charAt(eq + 1) != '"') {
        return null;
      }
      String key = labels.substring(i, eq).trim();
      StringBuilder v = new StringBuilder();
      int j = eq + 2;
      for (; j < n; j++) {
        char c = labels.charAt(j);
        if (c == '\\' && j + 1 < n) {
          char e = labels.charAt(++j);
          v.append(e == 'n' ? '\n' : e);
        } else if (c == '"') {
          break;
        } else {
          v.append(c);
        }
      }
      if (key.equals(name)) {
        return v.toString();
      }
      i = j + 1;
    }
    return null;
  }
}
