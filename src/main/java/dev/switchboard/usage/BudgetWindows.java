package dev.switchboard.usage;

import java.time.Clock;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;

/** Calendar budget windows (day, week from Monday, month) in one time zone, on an injectable clock. */
public final class BudgetWindows {
  public enum Period { DAILY, WEEKLY, MONTHLY }

  private final Clock clock;
  private final ZoneId zone;

  public BudgetWindows(Clock clock, ZoneId zone) {
    this.clock = clock;
    this.zone = zone;
  }

  public ZonedDateTime now() {
    return ZonedDateTime.now(clock.withZone(zone));
  }

  public long nowMillis() {
    return clock.millis();
  }

  /** The first day of the window that contains today. */
  public LocalDate start(Period period) {
    return startOf(period, now().toLocalDate());
  }

  /** The first day of the window that contains {@code day}. */
  public static LocalDate startOf(Period period, LocalDate day) {
    return switch (period) {
      case DAILY -> day;
      case WEEKLY -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
      case MONTHLY -> day.withDayOfMonth(1);
    };
  }

  /** The first day after the window that contains today. */
  public LocalDate end(Period period) {
    LocalDate start = start(period);
    return switch (period) {
      case DAILY -> start.plusDays(1);
      case WEEKLY -> start.plusWeeks(1);
      case MONTHLY -> start.plusMonths(1);
    };
  }

  public long startMillis(LocalDate day) {
    return day.atStartOfDay(zone).toInstant().toEpochMilli();
  }

  public LocalDate dayOf(long millis) {
    return java.time.Instant.ofEpochMilli(millis).atZone(zone).toLocalDate();
  }

  public ZoneId zone() {
    return zone;
  }
}
