package ai.aim.proxy.admission;

import java.util.List;
import java.util.Map;

/** Compact builders of policies for tests. */
final class Policies {
  private Policies() {}

  static ModelPolicy policy(
      int limit, double reserve, SchedulingMode mode, int maxQueue, long maxWaitMs) {
    PriorityPolicy h = new PriorityPolicy(maxQueue, maxWaitMs, 1.0, 70);
    PriorityPolicy m = new PriorityPolicy(maxQueue, maxWaitMs, 1.0, 20);
    PriorityPolicy l = new PriorityPolicy(maxQueue, maxWaitMs, 1.0, 10);
    return new ModelPolicy(
        Priority.MEDIUM,
        LimitPolicy.fixed(limit),
        mode,
        1_000,
        reserve,
        List.of(h, m, l),
        0,
        0.5,
        TenantPolicy.defaults(),
        EnginePolicy.defaults(),
        true,
        0,
        0);
  }

  static ModelPolicy withShedWhileHigherOverflows(ModelPolicy p, boolean on) {
    return new ModelPolicy(p.defaultPriority(), p.limit(), p.scheduling(), p.agingMillis(),
        p.reservedHighShare(), p.priorities(), p.initialServiceTimeMillis(), p.serviceTimeAlpha(),
        p.tenants(), p.engine(), on, p.highOvercommit(),
        p.highOvercommitAfterMillis());
  }

  static ModelPolicy withEngine(ModelPolicy p, EnginePolicy e) {
    return new ModelPolicy(p.defaultPriority(), p.limit(), p.scheduling(), p.agingMillis(),
        p.reservedHighShare(), p.priorities(), p.initialServiceTimeMillis(), p.serviceTimeAlpha(),
        p.tenants(), e, p.shedWhileHigherOverflows(), p.highOvercommit(),
        p.highOvercommitAfterMillis());
  }

  static ModelPolicy withTenants(ModelPolicy p, TenantPolicy t) {
    return new ModelPolicy(p.defaultPriority(), p.limit(), p.scheduling(), p.agingMillis(),
        p.reservedHighShare(), p.priorities(), p.initialServiceTimeMillis(), p.serviceTimeAlpha(),
        t, p.engine(), p.shedWhileHigherOverflows(), p.highOvercommit(),
        p.highOvercommitAfterMillis());
  }

  static ModelPolicy withInitialService(ModelPolicy p, long ms) {
    return new ModelPolicy(p.defaultPriority(), p.limit(), p.scheduling(), p.agingMillis(),
        p.reservedHighShare(), p.priorities(), ms, p.serviceTimeAlpha(), p.tenants(), p.engine(),
        p.shedWhileHigherOverflows(), p.highOvercommit(),
        p.highOvercommitAfterMillis());
  }

  static ModelPolicy withPriorities(ModelPolicy p, List<PriorityPolicy> pp) {
    return new ModelPolicy(p.defaultPriority(), p.limit(), p.scheduling(), p.agingMillis(),
        p.reservedHighShare(), pp, p.initialServiceTimeMillis(), p.serviceTimeAlpha(),
        p.tenants(), p.engine(), p.shedWhileHigherOverflows(), p.highOvercommit(),
        p.highOvercommitAfterMillis());
  }

  static ModelPolicy withHighOvercommit(ModelPolicy p, int overcommit) {
    return new ModelPolicy(p.defaultPriority(), p.limit(), p.scheduling(), p.agingMillis(),
        p.reservedHighShare(), p.priorities(), p.initialServiceTimeMillis(), p.serviceTimeAlpha(),
        p.tenants(), p.engine(), p.shedWhileHigherOverflows(), overcommit,
        p.highOvercommitAfterMillis());
  }

  static ModelPolicy withHighOvercommitAfter(ModelPolicy p, long afterMs) {
    return new ModelPolicy(p.defaultPriority(), p.limit(), p.scheduling(), p.agingMillis(),
        p.reservedHighShare(), p.priorities(), p.initialServiceTimeMillis(), p.serviceTimeAlpha(),
        p.tenants(), p.engine(), p.shedWhileHigherOverflows(), p.highOvercommit(), afterMs);
  }

  static AdmissionConfig config(ModelPolicy p) {
    return AdmissionConfig.of(p, Map.of());
  }
}
