package dev.switchboard.config;

import java.time.Clock;
import java.util.function.LongSupplier;

/**
 * The time sources the launcher hands to the services whose decisions depend on elapsed time, so tests can move time
 * instead of waiting for it: {@code nanoTime} for intervals (stats windows, slow-start ramps), {@code wall} for
 * timestamps and ages that outlive a process's nanoTime origin (health staleness, transition times).
 *
 * <p>The request path (selector, failover chain, attempts and their watchdog) reads the same {@code nanoTime} as the
 * provider guards it compares with, so a gateway built on a {@code FakeClock} for both moves circuits, cooldowns and
 * retries by advancing it; upstream timeouts then fire only when the test advances the clock.
 */
public record Clocks(LongSupplier nanoTime, Clock wall) {
  public static final Clocks SYSTEM = new Clocks(System::nanoTime, Clock.systemUTC());

  /** The system's nanoTime with another wall clock. */
  public static Clocks withWall(Clock wall) {
    return new Clocks(System::nanoTime, wall);
  }
}
