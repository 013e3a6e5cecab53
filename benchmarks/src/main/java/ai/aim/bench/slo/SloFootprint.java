package ai.aim.bench.slo;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.slo.SloConfig;
import ai.aim.proxy.slo.SloTracker;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prints the SLO tracker's estimated heap per model x priority: empty, and after an hour of
 * traffic with latencies spread log-uniformly over 1 ms to 10 s (the worst realistic spread: many
 * distinct buckets in every slot). Arguments: requests per second per series (default 20).
 */
public final class SloFootprint {
  private SloFootprint() {}

  public static void main(String[] args) {
    int rps = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    AtomicLong clock = new AtomicLong();
    SloTracker tracker = new SloTracker(SloConfig.defaultConfig(), List.of("m"), clock::get, () -> 0L);
    int series = tracker.models().size() * Priority.values().length;
    System.out.printf("series: %d%nempty: %d bytes per series%n", series, tracker.footprintBytes() / series);
    SplittableRandom random = new SplittableRandom(1);
    for (int second = 0; second < 3600; second++) {
      for (Priority p : Priority.values()) {
        for (String m : List.of("m", "other")) {
          for (int r = 0; r < rps; r++) {
            long total = (long) (1e6 * Math.pow(10, random.nextDouble() * 4));
            tracker.onComplete(m, p, r == 0 ? Outcome.SHED : Outcome.OK, total / 4, total / 2, total / 3, total);
          }
        }
      }
      clock.addAndGet(1_000_000_000L);
      tracker.tick();
    }
    System.out.printf("after 1 h at %d req/s per series: %d bytes per series%n", rps, tracker.footprintBytes() / series);
  }
}
