package ai.aim.sim.engine;

import ai.aim.sim.ServiceDistribution;
import java.util.SplittableRandom;

/**
 * Draws service times: a base time from the configured distribution, plus prefill per context
 * token and decode per generated token. Thread safety: {@link #baseNanos()} is synchronized on
 * the seeded generator, so a run with one client is repeatable.
 */
public final class ServiceTimes {
  private static final double LOGNORMAL_SIGMA = 0.5;

  private final double meanNanos;
  private final ServiceDistribution dist;
  private final long prefillNanosPerToken;
  private final long decodeNanosPerToken;
  private final SplittableRandom random;

  /** Creates a sampler. */
  public ServiceTimes(
      double serviceMs,
      ServiceDistribution dist,
      double prefillUsPerToken,
      double decodeMsPerToken,
      long seed) {
    this.meanNanos = serviceMs * 1e6;
    this.dist = dist;
    this.prefillNanosPerToken = Math.round(prefillUsPerToken * 1e3);
    this.decodeNanosPerToken = Math.round(decodeMsPerToken * 1e6);
    this.random = new SplittableRandom(seed);
  }

  /** One base service time in nanoseconds (>= 0). */
  public synchronized long baseNanos() {
    if (meanNanos <= 0) {
      return 0;
    }
    double v =
        switch (dist) {
          case CONSTANT -> meanNanos;
          case EXPONENTIAL -> -meanNanos * Math.log(1 - random.nextDouble());
          case UNIFORM -> 2 * meanNanos * random.nextDouble();
          case LOGNORMAL -> {
            // mean of exp(N(mu, s^2)) is exp(mu + s^2/2): pick mu so the mean is serviceMs.
            double mu = Math.log(meanNanos) - LOGNORMAL_SIGMA * LOGNORMAL_SIGMA / 2;
            yield Math.exp(mu + LOGNORMAL_SIGMA * gaussian());
          }
        };
    return Math.max(0, Math.round(v));
  }

  private double gaussian() {
    // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
    double u1 = 1 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Prefill time for {@code contextTokens}. */
  public long prefillNanos(long contextTokens) {
    return prefillNanosPerToken * contextTokens;
  }

  /** Decode time of one generated token. */
  public long decodeNanosPerToken() {
    return decodeNanosPerToken;
  }

  /**
   * The delays of a generation of {@code tokens} tokens: element i is the wait before token i
   * is emitted. The first waits for the prefill; each waits one decode step plus an equal share
   * of the base time, so a stream's tokens arrive at the decode rate and the total equals base
   * + prefill + decode * tokens.
   */
  public long[] plan(long contextTokens, int tokens) {
    long base = baseNanos();
    long[] delays = new long[Math.max(1, tokens)];
    long share = base / delays.length;
    for (int i = 0; i < delays.length; i++) {
      delays[i] = share + decodeNanosPerToken;
    }
    delays[0] += prefillNanos(contextTokens) + (base - share * delays.length);
    return delays;
  }
}
