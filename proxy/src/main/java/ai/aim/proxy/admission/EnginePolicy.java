package ai.aim.proxy.admission;

/**
 * How the model server's own saturation gauges (waiting requests, KV-cache use) restrict
 * dispatch of the lower classes. Above the high watermarks LOW gets no new dispatch; above the
 * critical watermarks MEDIUM neither. HIGH is never restricted by these signals. Once the
 * gauges fall back, each class's ceiling rises by {@code recoveryStep} of the limit per {@code
 * recoveryIntervalMs}. A signal older than {@code staleAfterMs} counts as saturated for LOW and
 * MEDIUM.
 *
 * @param enabled whether signals are used at all
 * @param kvHighWatermark KV-cache use (0..1) above which LOW stops
 * @param kvCriticalWatermark KV-cache use above which MEDIUM stops too
 * @param waitingHighWatermark engine waiting requests above which LOW stops
 * @param waitingCriticalWatermark engine waiting requests above which MEDIUM stops too
 * @param staleAfterMillis age after which a signal counts as saturated
 * @param recoveryStep ceiling increase per interval, as a share of the limit (0 &lt; s &lt;= 1)
 * @param recoveryIntervalMillis time between ceiling increases
 */
public record EnginePolicy(
    boolean enabled,
    double kvHighWatermark,
    double kvCriticalWatermark,
    int waitingHighWatermark,
    int waitingCriticalWatermark,
    long staleAfterMillis,
    double recoveryStep,
    long recoveryIntervalMillis) {

  public EnginePolicy {
    Checks.between("kvHighWatermark", kvHighWatermark, 0.0, 1.0);
    Checks.between("kvCriticalWatermark", kvCriticalWatermark, kvHighWatermark, 1.0);
    Checks.atLeast("waitingHighWatermark", waitingHighWatermark, 0);
    Checks.atLeast("waitingCriticalWatermark", waitingCriticalWatermark, waitingHighWatermark);
    Checks.atLeast("staleAfterMs", staleAfterMillis, 1);
    Checks.between("recoveryStep", recoveryStep, Double.MIN_VALUE, 1.0);
    Checks.atLeast("recoveryIntervalMs", recoveryIntervalMillis, 1);
  }

  /** Disabled; watermarks 0.90/0.97 KV and 32/128 waiting, stale after 5 s, 25 % per second. */
  public static EnginePolicy defaults() {
    return new EnginePolicy(false, 0.90, 0.97, 32, 128, 5_000, 0.25, 1_000);
  }
}
