package ai.aim.proxy.admission;

import java.util.List;
import java.util.Objects;

/**
 * Every admission setting of one model (or the defaults for models without their own section).
 *
 * @param defaultPriority the class of a request that names none
 * @param limit the concurrency limit towards the model server
 * @param scheduling how queued classes share free permits
 * @param agingMillis in {@link SchedulingMode#AGING}, the wait after which a request counts one
 *     class higher
 * @param reservedHighShare share of the limit only HIGH may use (rounded down to whole permits):
 *     MEDIUM and LOW together never hold more than {@code limit - reserve} permits
 * @param priorities bounds per class, indexed by {@link Priority#ordinal()} (exactly three)
 * @param initialServiceTimeMillis service time assumed before the first measurement ({@code 0}:
 *     no deadline prediction until measured)
 * @param serviceTimeAlpha EWMA weight of each new upstream-time sample (0 &lt; a &lt;= 1)
 * @param tenants fairness between tenants inside a class
 * @param engine engine-aware saturation
 * @param shedWhileHigherOverflows in {@link SchedulingMode#STRICT}, refuse at once (reason
 *     {@link RejectReason#OUTRANKED}) a request that would have to queue in a class with a
 *     maximum queue wait while a higher class of the same model is backlogged and has refused
 *     requests for a full queue or an expired wait within that maximum wait: under strict
 *     priority such a request would most likely wait out its maximum and be refused anyway
 * @param highOvercommit HIGH requests that may be dispatched beyond the limit: HIGH may go while
 *     fewer than {@code limit + highOvercommit} requests are in flight, MEDIUM and LOW only while
 *     fewer than {@code limit}. For a model server that schedules by priority and preempts lower
 *     work for higher (vLLM {@code --scheduling-policy priority} with priority propagation on), so
 *     a HIGH request does not wait for a running LOW one to end; 0 (the default) lets the limit
 *     bind HIGH too
 * @param highOvercommitAfterMillis with {@code highOvercommit}, how long the oldest queued HIGH
 *     request waits for a permit under the limit before HIGH may go beyond it; 0 (the default):
 *     at once. Each dispatch beyond the limit costs the engine a preemption (the preempted
 *     request's prefill again), so a short wait that a completion usually ends first keeps most
 *     HIGH requests under the limit and bounds the wait of the others
 */
public record ModelPolicy(
    Priority defaultPriority,
    LimitPolicy limit,
    SchedulingMode scheduling,
    long agingMillis,
    double reservedHighShare,
    List<PriorityPolicy> priorities,
    long initialServiceTimeMillis,
    double serviceTimeAlpha,
    TenantPolicy tenants,
    EnginePolicy engine,
    boolean shedWhileHigherOverflows,
    int highOvercommit,
    long highOvercommitAfterMillis) {

  public ModelPolicy {
    Objects.requireNonNull(defaultPriority, "defaultPriority");
    Objects.requireNonNull(limit, "limit");
    Objects.requireNonNull(scheduling, "scheduling");
    Checks.atLeast("agingMs", agingMillis, 1);
    Checks.between("reservedHighShare", reservedHighShare, 0.0, 0.9);
    priorities = List.copyOf(priorities);
    if (priorities.size() != 3) {
      throw new IllegalArgumentException(
          "priorities: " + priorities.size() + " entries (expected: 3, high, medium, low)");
    }
    Checks.atLeast("initialServiceTimeMs", initialServiceTimeMillis, 0);
    Checks.between("serviceTimeAlpha", serviceTimeAlpha, Double.MIN_VALUE, 1.0);
    Objects.requireNonNull(tenants, "tenants");
    Objects.requireNonNull(engine, "engine");
    if (highOvercommit < 0) {
      throw new IllegalArgumentException(
          "highOvercommit: " + highOvercommit + " (expected: >= 0)");
    }
    Checks.atLeast("highOvercommitAfterMs", highOvercommitAfterMillis, 0);
  }

  /** The built-in defaults: static limit 64, strict, no reserve, default class bounds. */
  public static ModelPolicy defaults() {
    return new ModelPolicy(
        Priority.MEDIUM,
        LimitPolicy.fixed(64),
        SchedulingMode.STRICT,
        2_000,
        0.0,
        List.of(
            PriorityPolicy.defaults(Priority.HIGH),
            PriorityPolicy.defaults(Priority.MEDIUM),
            PriorityPolicy.defaults(Priority.LOW)),
        0,
        0.2,
        TenantPolicy.defaults(),
        EnginePolicy.defaults(),
        true,
        0,
        0);
  }

  /** The bounds of one class. */
  public PriorityPolicy priority(Priority p) {
    return priorities.get(p.ordinal());
  }

  /** Permits reserved for HIGH under a limit: {@code floor(limit * reservedHighShare)}. */
  public int reserveFor(int currentLimit) {
    return (int) Math.floor(currentLimit * reservedHighShare);
  }

  /** A copy with another limit policy. */
  public ModelPolicy withLimit(LimitPolicy l) {
    return new ModelPolicy(defaultPriority, l, scheduling, agingMillis, reservedHighShare,
        priorities, initialServiceTimeMillis, serviceTimeAlpha, tenants, engine,
        shedWhileHigherOverflows, highOvercommit, highOvercommitAfterMillis);
  }

  /** A copy with another scheduling mode. */
  public ModelPolicy withScheduling(SchedulingMode s) {
    return new ModelPolicy(defaultPriority, limit, s, agingMillis, reservedHighShare,
        priorities, initialServiceTimeMillis, serviceTimeAlpha, tenants, engine,
        shedWhileHigherOverflows, highOvercommit, highOvercommitAfterMillis);
  }
}
