package ai.aim.sim;

import java.util.Map;

/**
 * A point-in-time snapshot of the simulator's counters and gauges, as served on {@code GET
 * /sim/stats}. Counters are monotonic since start; gauges are the current values.
 *
 * @param requests inference requests received (all protocols, including rejected ones)
 * @param completed inference requests answered successfully
 * @param inFlight requests holding a slot now
 * @param queued requests waiting for a slot or KV-cache room now
 * @param rejected requests refused because the queue was full or the request exceeds the cache
 * @param cancelled requests whose client went away (disconnect or gRPC cancel) before the answer
 * @param failed requests answered with an injected error ({@code --fail-rate})
 * @param preempted times a running request lost its slot to a higher-priority one ({@code
 *     --scheduling-policy priority}); a request preempted twice counts twice
 * @param maxConcurrentObserved highest number of requests in service at the same time
 * @param kvTokensUsed KV-cache tokens held by requests in service
 * @param kvCacheTokens KV-cache capacity in tokens
 * @param priorities how many requests carried each priority value (the KServe v2 / Triton
 *     {@code priority} parameter or the vLLM {@code priority} body field), keyed by the value as
 *     text; requests without one are not counted here
 */
public record SimStats(
    long requests,
    long completed,
    long inFlight,
    long queued,
    long rejected,
    long cancelled,
    long failed,
    long preempted,
    long maxConcurrentObserved,
    long kvTokensUsed,
    long kvCacheTokens,
    Map<String, Long> priorities) {

  /** Copies the priority map. */
  public SimStats {
    priorities = Map.copyOf(priorities);
  }

  /** KV-cache use in 0..1. */
  public double kvCacheUsage() {
    return (double) kvTokensUsed / kvCacheTokens;
  }
}
