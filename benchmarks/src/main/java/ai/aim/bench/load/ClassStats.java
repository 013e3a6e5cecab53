package ai.aim.bench.load;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Counters and latency recorders of one class of requests (a priority or a tenant). Written from
 * the client's completion threads (the recorders and adders are thread-safe); read by one
 * collector thread through {@link #drain()}, which moves the interval's samples into the totals.
 * Latencies are in microseconds. "Corrected" latencies run from the request's intended send time
 * (coordinated-omission corrected); "raw" ones from when the client actually handed it over.
 */
public final class ClassStats {

  static final long MAX_MICROS = 600_000_000L;

  final LongAdder sent = new LongAdder();
  final LongAdder ok = new LongAdder();
  final LongAdder shed = new LongAdder();
  final LongAdder errors = new LongAdder();
  final LongAdder okTokens = new LongAdder();
  /** 429s that waited in a queue first (the sidecar's reason says "timeout"). */
  final LongAdder shedAfterWait = new LongAdder();
  /**
   * 429s by the sidecar's {@code reason} ("unknown" when the body names none). The split above
   * cannot place {@code engine_saturated}, which the sidecar answers both for a full queue and for
   * a queue wait that ran out; this count keeps every reason apart.
   */
  private final ConcurrentHashMap<String, LongAdder> shedByReason = new ConcurrentHashMap<>();
  private final Recorder okCorrected = new Recorder(MAX_MICROS, 3);
  private final Recorder okRaw = new Recorder(MAX_MICROS, 3);
  private final Recorder shedCorrected = new Recorder(MAX_MICROS, 3);
  private final Recorder shedRaw = new Recorder(MAX_MICROS, 3);
  private final Recorder shedOnArrival = new Recorder(MAX_MICROS, 3);

  // Owned by the collector thread.
  final Histogram totalOkCorrected = new Histogram(MAX_MICROS, 3);
  final Histogram totalOkRaw = new Histogram(MAX_MICROS, 3);
  final Histogram totalShedCorrected = new Histogram(MAX_MICROS, 3);
  final Histogram totalShedRaw = new Histogram(MAX_MICROS, 3);
  final Histogram totalShedOnArrival = new Histogram(MAX_MICROS, 3);
  Histogram intervalOkCorrected = new Histogram(MAX_MICROS, 3);

  /** Requests sent so far. */
  public long sent() {
    return sent.sum();
  }

  /** 2xx answers so far. */
  public long ok() {
    return ok.sum();
  }

  /** 429 answers so far. */
  public long shed() {
    return shed.sum();
  }

  /** Other statuses, connection failures and timeouts so far. */
  public long errors() {
    return errors.sum();
  }

  /** A percentile (ms, corrected) of the 2xx answers of the last collector interval; NaN if none. */
  public double intervalOkMillis(double percentile) {
    Histogram h = intervalOkCorrected;
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
  }

  void recordOk(long correctedMicros, long rawMicros, long tokens) {
    ok.increment();
    okTokens.add(tokens);
    okCorrected.recordValue(clamp(correctedMicros));
    okRaw.recordValue(clamp(rawMicros));
  }

  /** 429s so far by reason, sorted by reason. */
  public Map<String, Long> shedByReason() {
    Map<String, Long> out = new TreeMap<>();
    shedByReason.forEach((r, n) -> out.put(r, n.sum()));
    return out;
  }

  void recordShed(long correctedMicros, long rawMicros, String reason) {
    shed.increment();
    shedByReason.computeIfAbsent(reason, r -> new LongAdder()).increment();
    boolean afterWait = reason.contains("timeout");
    if (afterWait) {
      shedAfterWait.increment();
    } else {
      shedOnArrival.recordValue(clamp(correctedMicros));
    }
    shedCorrected.recordValue(clamp(correctedMicros));
    shedRaw.recordValue(clamp(rawMicros));
  }

  /** Collector thread: moves what was recorded since the last call into the totals. */
  void drain() {
    intervalOkCorrected = okCorrected.getIntervalHistogram();
    totalOkCorrected.add(intervalOkCorrected);
    totalOkRaw.add(okRaw.getIntervalHistogram());
    totalShedCorrected.add(shedCorrected.getIntervalHistogram());
    totalShedRaw.add(shedRaw.getIntervalHistogram());
    totalShedOnArrival.add(shedOnArrival.getIntervalHistogram());
  }

  private static long clamp(long micros) {
    return Math.max(1, Math.min(MAX_MICROS, micros));
  }
}
