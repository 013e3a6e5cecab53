package ai.aim.scheduler.forecast;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The hours in which a model's users work, in their own time zone. Immutable value.
 *
 * <p>Used by the forecaster to tell business days from other days (a Monday is predicted from
 * the previous business day, not from Sunday, while less than a week of history exists) and to
 * label each forecast as inside or outside business hours.
 *
 * @param zone the users' time zone
 * @param days the business days (non-empty)
 * @param start start of the business day, inclusive
 * @param end end of the business day, exclusive (after {@code start})
 */
public record BusinessHours(ZoneId zone, Set<DayOfWeek> days, LocalTime start, LocalTime end) {

  /** Monday to Friday, 08:00 to 18:00, UTC. */
  public static BusinessHours officeHoursUtc() {
    return new BusinessHours(
        ZoneId.of("UTC"),
        EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
        LocalTime.of(8, 0),
        LocalTime.of(18, 0));
  }

  public BusinessHours {
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    if (days == null || days.isEmpty()) {
      throw new IllegalArgumentException("businessHours.days: empty (expected: at least one day)");
    }
    if (!end.isAfter(start)) {
      throw new IllegalArgumentException(
          "businessHours: start " + start + " end " + end + " (expected: end after start)");
    }
    days = Set.copyOf(days);
  }

  /** Whether the instant falls on a business day in {@link #zone()}. */
  public boolean isBusinessDay(long epochSecond) {
    return days.contains(at(epochSecond).getDayOfWeek());
  }

  /** Whether the instant falls inside business hours on a business day. */
  public boolean contains(long epochSecond) {
    ZonedDateTime t = at(epochSecond);
    if (!days.contains(t.getDayOfWeek())) {
      return false;
    }
    LocalTime time = t.toLocalTime();
    return !time.isBefore(start) && time.isBefore(end);
  }

  private ZonedDateTime at(long epochSecond) {
    return Instant.ofEpochSecond(epochSecond).atZone(zone);
  }
}
