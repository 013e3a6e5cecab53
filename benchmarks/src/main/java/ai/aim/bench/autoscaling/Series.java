package ai.aim.bench.autoscaling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A regular time series read from the NAB CSV ({@code timestamp,value}); timestamps are the
 * series' wall-clock times, read as UTC so that steps stay regular. Immutable after loading.
 */
final class Series {

  private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

  final long[] epochSeconds;
  final double[] values;
  final long stepSeconds;

  private Series(long[] epochSeconds, double[] values) {
    this.epochSeconds = epochSeconds;
    this.values = values;
    this.stepSeconds = epochSeconds[1] - epochSeconds[0];
    for (int i = 1; i < epochSeconds.length; i++) {
      if (epochSeconds[i] - epochSeconds[i - 1] != stepSeconds) {
        throw new IllegalArgumentException("irregular step at line " + (i + 2));
      }
    }
  }

  static Series load(Path csv) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    long[] ts = new long[lines.size() - 1];
    double[] v = new double[lines.size() - 1];
    for (int i = 1; i < lines.size(); i++) {
      String[] parts = lines.get(i).split(",");
      ts[i - 1] = parseTimestamp(parts[0]);
      v[i - 1] = Double.parseDouble(parts[1]);
    }
    return new Series(ts, v);
  }

  static long parseTimestamp(String text) {
    String t = text.trim();
    if (t.length() > 19) {
      t = t.substring(0, 19);
    }
    return LocalDateTime.parse(t, TS).toEpochSecond(ZoneOffset.UTC);
  }

  int size() {
    return values.length;
  }

  int indexOf(long epochSecond) {
    return (int) ((epochSecond - epochSeconds[0]) / stepSeconds);
  }

  /** The labelled windows of the NAB JSON, as [start, end] epoch seconds. */
  static List<long[]> windows(Path json) throws IOException {
    Matcher m =
        Pattern.compile("\\[\\s*\"([^\"]+)\",\\s*\"([^\"]+)\"\\s*\\]").matcher(Files.readString(json));
    List<long[]> out = new ArrayList<>();
    while (m.find()) {
      out.add(new long[] {parseTimestamp(m.group(1)), parseTimestamp(m.group(2))});
    }
    return out;
  }
}
