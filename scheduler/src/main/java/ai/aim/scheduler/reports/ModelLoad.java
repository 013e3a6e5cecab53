package ai.aim.scheduler.reports;

/**
 * The load of one model over all its live sidecars (pods whose last report is younger than the
 * aggregator's {@code staleAfter}), computed when asked. Immutable snapshot.
 *
 * <p>Sums: {@code queued}, {@code inFlight}, {@code limit}, the rates. {@code pods} is the number of
 * live pods reporting the model (the replica count as the data plane sees it).
 * Latencies are merged approximately (per-pod percentiles cannot be merged exactly):
 * {@code latencyP50Seconds} and {@code serviceTimeSeconds} are means weighted by each pod's
 * admitted rate (plain means when nothing was admitted), {@code latencyP99Seconds} is the maximum
 * over pods (conservative). {@code minSloCompliance} is the lowest compliance any pod reported for
 * any priority and window, {@code maxBurnRate} the highest burn rate (1.0 and 0.0 without SLO data).
 * Rates are per second; latencies are seconds.
 */
public record ModelLoad(
        String namespace,
        String model,
        int pods,
        QueueDepths queued,
        long inFlight,
        long limit,
        double arrivalRate,
        double admittedRate,
        double shedRate,
        double latencyP50Seconds,
        double latencyP99Seconds,
        double serviceTimeSeconds,
        double minSloCompliance,
        double maxBurnRate,
        long newestReportAgeNanos) {

    /** In-flight plus queued: the work the model has in hand. */
    public long demand() {
        return inFlight + queued.total();
    }

    /** In-flight over limit, 0..1+ (0 when no limit is reported). */
    public double utilization() {
        return limit == 0 ? 0 : (double) inFlight / limit;
    }
}
