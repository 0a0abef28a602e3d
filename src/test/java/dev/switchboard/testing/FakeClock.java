package dev.switchboard.testing;

import com.github.benmanes.caffeine.cache.Ticker;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The one clock tests move by hand. It is all three kinds of time the code takes: a nanoTime {@link LongSupplier}
 * ({@code TokenBucket}, {@code ProviderStats}, {@code ProviderGuard}), a wall {@link Clock} ({@code ProviderHealth},
 * {@code BudgetWindows}) and Caffeine's {@link Ticker} ({@code ResponseCache}). They share one count, so advancing
 * it moves every reading by the same amount. Thread-safe: gateway event loops may read it while a test advances it.
 */
public final class FakeClock extends Clock implements LongSupplier, Ticker {
  /** Nanos reading at the start: away from zero, since 0 means "never" in some fields. */
  private static final long START_NANOS = 1_000_000_000_000L;

  private final AtomicLong nanos;
  private final Instant wallAtStart;
  private final ZoneId zone;

  private FakeClock(AtomicLong nanos, Instant wallAtStart, ZoneId zone) {
    this.nanos = nanos;
    this.wallAtStart = wallAtStart;
    this.zone = zone;
  }

  /** A clock whose wall time starts at {@code wall}, in {@code zone}. */
  public FakeClock(Instant wall, ZoneId zone) {
    this(new AtomicLong(START_NANOS), wall, zone);
  }

  /** A clock whose wall time starts at {@code wall}, in UTC. */
  public FakeClock(Instant wall) {
    this(wall, ZoneOffset.UTC);
  }

  /** A clock starting at 2026-01-01T00:00:00Z. */
  public FakeClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  public FakeClock advance(Duration d) {
    nanos.addAndGet(d.toNanos());
    return this;
  }

  public FakeClock advanceNanos(long n) {
    nanos.addAndGet(n);
    return this;
  }

  public FakeClock advanceMillis(long millis) {
    return advanceNanos(millis * 1_000_000);
  }

  public FakeClock advanceSeconds(long seconds) {
    return advanceNanos(seconds * 1_000_000_000);
  }

  /** Moves the wall time to {@code wall}, and the nanos reading with it (backwards too, if asked). */
  public FakeClock set(Instant wall) {
    nanos.set(START_NANOS + Duration.between(wallAtStart, wall).toNanos());
    return this;
  }

  /** The nanoTime reading. */
  public long nanos() {
    return nanos.get();
  }

  @Override
  public long getAsLong() {
    return nanos.get();
  }

  @Override
  public long read() {
    return nanos.get();
  }

  @Override
  public Instant instant() {
    return wallAtStart.plusNanos(nanos.get() - START_NANOS);
  }

  @Override
  public long millis() {
    return instant().toEpochMilli();
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  /** The same clock (one shared count) seen in another zone. */
  @Override
  public Clock withZone(ZoneId zone) {
    return new FakeClock(nanos, wallAtStart, zone);
  }
}
