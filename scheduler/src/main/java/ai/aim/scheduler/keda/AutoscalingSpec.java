package ai.aim.scheduler.keda;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * A model's validated autoscaling settings, from its InferenceService's annotations. Immutable.
 *
 * @param model the model name its sidecars report
 * @param minReplicas minimum replicas; 0 enables scale to zero
 * @param maxReplicas maximum replicas, >= minReplicas
 * @param targetPerReplica concurrent requests per replica
 * @param activationThreshold concurrency above which the model is active
 * @param idleBeforeScaleToZero idle period before the scaler reports inactive
 * @param predictive whether the forecast may raise the metric
 * @param pollingSeconds KEDA polling interval
 * @param cooldownSeconds KEDA cooldown before scaling to zero
 * @param prometheusFallback whether to add the Prometheus trigger
 * @param cpuUtilization optional CPU utilisation trigger (percent)
 * @param memoryUtilization optional memory utilisation trigger (percent)
 */
record AutoscalingSpec(
    String model,
    int minReplicas,
    int maxReplicas,
    double targetPerReplica,
    double activationThreshold,
    Duration idleBeforeScaleToZero,
    boolean predictive,
    int pollingSeconds,
    int cooldownSeconds,
    boolean prometheusFallback,
    OptionalInt cpuUtilization,
    OptionalInt memoryUtilization) {}
