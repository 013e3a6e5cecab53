package ai.aim.proxy.admission;

import java.util.Map;
import java.util.Objects;

/**
 * The whole admission configuration: defaults for every model, per-model overrides, and the
 * settings of the admission thread itself. Built by {@link AdmissionConfigParser} from the
 * {@code admission:} and {@code models:} sections of the sidecar's YAML; see {@code
 * docs/admission.md} for the schema. Immutable; safe on any thread.
 *
 * @param defaults the policy of every model without its own section
 * @param models per-model policies by folded model name (complete policies, defaults merged in)
 * @param ringSize slots in the admission ring, a power of two
 * @param tickMillis period of the admission thread's timer (queue-wait expiry, rates, recovery)
 * @param snapshotIntervalMillis the published snapshot is refreshed at least this often
 * @param rateWindowMillis window over which arrival, dispatch and shed rates are measured
 * @param rateAlpha EWMA weight of each window's rate (0 &lt; a &lt;= 1)
 * @param upstreamHoldMillis while the model server is not ready (starting, loading its model),
 *     requests are held in their queues up to this long and then refused with 503; {@code 0}
 *     (default) for off: admission then does not look at the model server's readiness
 */
public record AdmissionConfig(
    ModelPolicy defaults,
    Map<String, ModelPolicy> models,
    int ringSize,
    long tickMillis,
    long snapshotIntervalMillis,
    long rateWindowMillis,
    double rateAlpha,
    long upstreamHoldMillis) {

  /** Without a hold for a model server that is not ready. */
  public AdmissionConfig(ModelPolicy defaults, Map<String, ModelPolicy> models, int ringSize,
      long tickMillis, long snapshotIntervalMillis, long rateWindowMillis, double rateAlpha) {
    this(defaults, models, ringSize, tickMillis, snapshotIntervalMillis, rateWindowMillis, rateAlpha, 0);
  }

  public AdmissionConfig {
    Objects.requireNonNull(defaults, "defaults");
    models = Map.copyOf(models);
    Checks.atLeast("ringSize", ringSize, 2);
    if (Integer.bitCount(ringSize) != 1) {
      throw new IllegalArgumentException("ringSize: " + ringSize + " (expected: a power of two)");
    }
    Checks.atLeast("tickMs", tickMillis, 1);
    Checks.atLeast("snapshotIntervalMs", snapshotIntervalMillis, 1);
    Checks.atLeast("rateWindowMs", rateWindowMillis, 1);
    Checks.between("rateAlpha", rateAlpha, Double.MIN_VALUE, 1.0);
    Checks.atLeast("upstreamHoldMs", upstreamHoldMillis, 0);
  }

  /** Built-in defaults for everything, no per-model sections. */
  public static AdmissionConfig defaultConfig() {
    return of(ModelPolicy.defaults(), Map.of());
  }

  /** Defaults for the thread settings (ring 65536, tick 10 ms, snapshot 1 s, rate window 1 s). */
  public static AdmissionConfig of(ModelPolicy defaults, Map<String, ModelPolicy> models) {
    return new AdmissionConfig(defaults, models, 65_536, 10, 1_000, 1_000, 0.5);
  }

  /** The policy of a model: its own section, else the defaults. */
  public ModelPolicy policyFor(String model) {
    ModelPolicy p = models.get(model);
    return p == null ? defaults : p;
  }

  /** The class of a request to {@code model} that names none. */
  public Priority defaultPriority(String model) {
    return policyFor(model).defaultPriority();
  }
}
