package ai.aim.bench.autoscaling;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

/**
 * Burstiness and service times from the Azure LLM inference trace (conversation, 2023): arrivals
 * per bin normalised to mean 1 (cycled over the trace's hour), and the mean service time derived
 * from each request's token counts. Immutable after loading.
 */
final class AzureBursts {

  /** Service-time model: fixed overhead, prefill per context token, decode per generated token. */
  static final double OVERHEAD_S = 0.15;
  static final double PREFILL_S_PER_TOKEN = 0.00015;
  static final double DECODE_S_PER_TOKEN = 0.02;

  final double[] factor;
  final int binSeconds;
  final double meanServiceSeconds;
  final int requests;

  private AzureBursts(double[] factor, int binSeconds, double meanServiceSeconds, int requests) {
    this.factor = factor;
    this.binSeconds = binSeconds;
    this.meanServiceSeconds = meanServiceSeconds;
    this.requests = requests;
  }

  static AzureBursts load(Path csv, int binSeconds) throws IOException {
    List<String> lines = Files.readAllLines(csv);
    DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    long first = Long.MIN_VALUE;
    long last = 0;
    long[] at = new long[lines.size() - 1];
    double service = 0;
    for (int i = 1; i < lines.size(); i++) {
      String[] p = lines.get(i).split(",");
      long ms =
          LocalDateTime.parse(p[0].substring(0, 19), f).toEpochSecond(ZoneOffset.UTC) * 1000
              + Long.parseLong((p[0] + "000").substring(20, 23));
      at[i - 1] = ms;
      first = first == Long.MIN_VALUE ? ms : Math.min(first, ms);
      last = Math.max(last, ms);
      service +=
          OVERHEAD_S
              + PREFILL_S_PER_TOKEN * Integer.parseInt(p[1].trim())
              + DECODE_S_PER_TOKEN * Integer.parseInt(p[2].trim());
    }
    int bins = (int) ((last - first) / 1000 / binSeconds); // whole bins only
    double[] counts = new double[bins];
    for (long ms : at) {
      int b = (int) ((ms - first) / 1000 / binSeconds);
      if (b < bins) {
        counts[b]++;
      }
    }
    double mean = 0;
    for (double c : counts) {
      mean += c;
    }
    mean /= bins;
    for (int i = 0; i < bins; i++) {
      counts[i] /= mean;
    }
    return new AzureBursts(counts, binSeconds, service / at.length, at.length);
  }

  /** Burst factor at simulated second {@code t} (the trace's hour, cycled). */
  double at(long t) {
    return factor[(int) Math.floorMod(t / binSeconds, (long) factor.length)];
  }
}
