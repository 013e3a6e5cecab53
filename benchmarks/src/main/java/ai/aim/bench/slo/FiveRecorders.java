package ai.aim.bench.slo;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Recorder;

/**
 * Baseline: the tracker's earlier request path, kept here to be measured in the same run as the
 * current one. Per model and priority, five HdrHistogram {@link Recorder}s (the request's class,
 * then total, queue, upstream and time-to-first-byte in microseconds, two significant digits up
 * to {@code Integer.MAX_VALUE}), each recorded separately. Any thread.
 */
final class FiveRecorders {
  private static final long HIGHEST = Integer.MAX_VALUE;
  private static final long THRESHOLD_NANOS = 800_000_000L;
  private final Map<String, Recorder[][]> series = new HashMap<>();

  FiveRecorders(List<String> models) {
    for (String m : models) {
      Recorder[][] byPriority = new Recorder[3][5];
      for (Recorder[] rs : byPriority) {
        rs[0] = new Recorder(1, 16, 1);
        for (int k = 1; k < 5; k++) {
          rs[k] = new Recorder(1, HIGHEST, 2);
        }
      }
      series.put(m, byPriority);
    }
  }

  void onComplete(
      String model, Priority priority, Outcome outcome, long queue, long upstream, long ttfb,
      long total) {
    Recorder[] rs = series.get(model)[priority.ordinal()];
    int cls = outcome.isSidecarError() ? 2 : total <= THRESHOLD_NANOS ? 0 : 1;
    rs[0].recordValue(cls);
    record(rs[1], total);
    record(rs[2], queue);
    record(rs[3], upstream);
    record(rs[4], ttfb);
  }

  private static void record(Recorder r, long nanos) {
    if (nanos >= 0) {
      r.recordValue(Math.min(nanos / 1000L, HIGHEST));
    }
  }
}
