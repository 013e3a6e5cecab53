package ai.aim.proxy.admission;

import java.util.Map;

/**
 * Fairness between tenants inside one priority class: weighted fair queuing by virtual finish
 * time, each request costing its token estimate divided by its tenant's weight.
 *
 * @param maxTenants distinct tenant keys tracked per model; further keys share one overflow
 *     bucket (a request without a tenant key uses the default bucket)
 * @param defaultWeight weight of a tenant not named in {@code weights}
 * @param weights per-tenant weights
 */
public record TenantPolicy(int maxTenants, int defaultWeight, Map<String, Integer> weights) {

  public TenantPolicy {
    Checks.atLeast("maxTenants", maxTenants, 1);
    Checks.atLeast("defaultWeight", defaultWeight, 1);
    weights = Map.copyOf(weights);
    weights.forEach((k, v) -> Checks.atLeast("weights." + k, v, 1));
  }

  /** 64 tenants, weight 1 each. */
  public static TenantPolicy defaults() {
    return new TenantPolicy(64, 1, Map.of());
  }

  /** The weight of a tenant key. */
  public int weightOf(String tenant) {
    Integer w = tenant == null ? null : weights.get(tenant);
    return w == null ? defaultWeight : w;
  }
}
