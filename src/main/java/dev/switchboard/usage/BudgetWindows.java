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
    Day d = day;
    if (millis >= d.from && millis < d.until) {
      return d.date;
    }
    LocalDate date = java.time.Instant.ofEpochMilli(millis).atZone(zone).toLocalDate();
    // Every request asks several times, nearly always about today: remembering today's bounds spares the zone
    // arithmetic (a tenth of the features path's allocation). Racing writers store equal values.
    day = new Day(date.atStartOfDay(zone).toInstant().toEpochMilli(),
        date.plusDays(1).atStartOfDay(zone).toInstant().toEpochMilli(), date);
    return date;
  }

  /** One calendar day of the zone: [from, until) in epoch millis. */
  private record Day(long from, long until, LocalDate date) {
  }

  private volatile Day day = new Day(0, 0, null);

  public ZoneId zone() {
    return zone;
  }
}
