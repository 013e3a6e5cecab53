package ai.aim.proxy.admission;

/** How the queued classes of one model share the free permits. */
public enum SchedulingMode {
  /** Always the highest non-empty class first; a LOW waits as long as any HIGH waits. */
  STRICT,
  /**
   * Strict, except that a queued request's effective priority rises one class per {@code
   * agingMs} it has waited (LOW becomes MEDIUM after agingMs, HIGH after 2 x agingMs).
   */
  AGING,
  /** When several classes are backlogged, dispatches follow the class weights (e.g. 70/20/10). */
  WEIGHTED
}
