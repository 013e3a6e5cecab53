package ai.aim.scheduler.forecast;

/**
 * One forecast of a model's arrival rate. Immutable snapshot.
 *
 * @param rate forecast arrival rate (same unit as recorded, e.g. requests per second), >= 0
 * @param targetEpochSecond start of the step the forecast is for
 * @param horizonSteps steps between the last complete step and the target step
 * @param seasonalRate the seasonal profile's value at the target step, before level adjustment
 * @param seasonality the detected cycles and the profile used
 * @param trendPerDay robust (Theil-Sen) relative trend of daily means, e.g. 0.01 = +1 % per day
 * @param spike whether the last complete step was flagged as a spike
 * @param lastZ robust z-score of the last complete step (0 while there is no profile)
 * @param businessHours whether the target step falls inside business hours (false when none are
 *     configured)
 * @param computedAtEpochSecond when this forecast was computed
 */
public record Forecast(
    double rate,
    long targetEpochSecond,
    int horizonSteps,
    double seasonalRate,
    Seasonality seasonality,
    double trendPerDay,
    boolean spike,
    double lastZ,
    boolean businessHours,
    long computedAtEpochSecond) {}
