package ai.aim.scheduler.forecast;

/**
 * What the forecaster concluded about one completed step. Immutable value.
 *
 * @param stepEpochSecond start of the step
 * @param rate the recorded mean rate
 * @param expected the seasonal expectation at the long-run level ({@code NaN} without a profile)
 * @param z robust z-score of the log residual (0 without a profile)
 * @param spike whether {@code |z|} exceeded the threshold; the cleaned history then holds the
 *     winsorized value instead of {@code rate}
 * @param cleaned the value that entered the seasonal history
 */
public record StepObservation(
    long stepEpochSecond, double rate, double expected, double z, boolean spike, double cleaned) {}
