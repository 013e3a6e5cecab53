package ai.aim.scheduler.forecast;

/**
 * Which cycles the cleaned history shows. Immutable snapshot.
 *
 * @param acfDay autocorrelation at a lag of one day ({@code NaN} with less than two days)
 * @param acfWeek autocorrelation at a lag of one week ({@code NaN} with less than eight days)
 * @param daily whether the daily cycle is detected (autocorrelation above the threshold)
 * @param weekly whether the weekly cycle is detected
 * @param profile the seasonal profile the forecaster uses
 */
public record Seasonality(
    double acfDay, double acfWeek, boolean daily, boolean weekly, Profile profile) {

  /** The seasonal profile in use. */
  public enum Profile {
    /** Same phase of the previous weeks. */
    WEEKLY,
    /** Same time of the previous days of the same kind (business day or not). */
    DAILY,
    /** No cycle: the recent mean. */
    FLAT
  }
}
