package dev.switchboard.provider;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Live statistics of one provider, written from every gateway event loop without locks: smoothed latency and time
 * to first token, a time-based sliding window of attempts and failures, requests in flight and consecutive failures.
 * Routing scores and the circuit breaker read them on the hot path.
 *
 * <p>The window is a ring of {@value #SLOTS} slots, each covering {@code window / SLOTS}. A slot is claimed for its
 * time span by a CAS on its stamp; whoever claims it zeroes its counts. A racing increment during that claim may be
 * lost or land in the fresh slot: one sample, which a statistic over a minute of traffic does not notice.
 *
 * <p>Every request passes here on whichever event loop runs it, so what every request writes is kept off the cache
 * lines the other loops write: the window's counts are striped by thread ({@value #STRIPES} rows of {@value #SLOTS}
 * slots, summed when read), and the last success time and the consecutive-failure count are written only when they
 * change. A line written by two cores on every request moves between them each time.
 */
public final class ProviderStats {
  static final int SLOTS = 60;
  /** Rows of the window's counts; a thread writes the row of its id, so two event loops (consecutive ids) differ. */
  static final int STRIPES = 4;
  /** Smoothing factor of the EWMAs: the last ~10 samples dominate, so a slowdown shows within a few requests. */
  private static final double ALPHA = 0.2;

  private final long slotNanos;
  private final AtomicLongArray stamps = new AtomicLongArray(SLOTS);
  private final AtomicLongArray slotAttempts = new AtomicLongArray(SLOTS * STRIPES);
  private final AtomicLongArray slotFailures = new AtomicLongArray(SLOTS * STRIPES);
  private final LongSupplier nanoClock;
  private final Clock clock;
  private final long origin;

  private final LongAdder requests = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  /** EWMAs in microseconds, -1 before the first sample; CAS-updated, a lost race drops one sample's weight. */
  private final AtomicLong ewmaLatencyMicros = new AtomicLong(-1);
  private final AtomicLong ewmaFirstTokenMicros = new AtomicLong(-1);
  /** Streams' times to first content event, for live percentiles (the first-token deadline, hedging delays). */
  private final LatencyHistogram streamFirstTokens = new LatencyHistogram();
  private final AtomicLong lastSuccessMillis = new AtomicLong();
  private final AtomicLong lastFailureMillis = new AtomicLong();
  private final LatencySamples recent = new LatencySamples();

  /**
   * @param nanoClock the window's time, nanoTime-like
   * @param clock wall time of the last success and failure
   */
  public ProviderStats(Duration window, LongSupplier nanoClock, Clock clock) {
    this.slotNanos = Math.max(1, window.toNanos() / SLOTS);
    this.nanoClock = nanoClock;
    this.clock = clock;
    this.origin = nanoClock.getAsLong();
    for (int i = 0; i < SLOTS; i++) {
      stamps.set(i, -1);
    }
  }

  public ProviderStats(Duration window) {
    this(window, System::nanoTime, Clock.systemUTC());
  }

  public ProviderStats() {
    this(Duration.ofSeconds(60));
  }

  public void started() {
    requests.increment();
    inFlight.incrementAndGet();
  }

  /** The provider answered the client (latency: whole attempt). */
  public void succeeded(long latencyNanos) {
    inFlight.decrementAndGet();
    noConsecutiveFailures();
    long now = clock.millis();
    if (lastSuccessMillis.get() != now) {
      lastSuccessMillis.set(now);
    }
    record(false);
    ewma(ewmaLatencyMicros, latencyNanos / 1_000);
    recent.add(latencyNanos);
  }

  /** Time from sending the request to the first content (the response head for a whole JSON reply). */
  public void firstToken(long nanos) {
    ewma(ewmaFirstTokenMicros, nanos / 1_000);
  }

  /** A stream's first content event arrived {@code nanos} after the request was sent: also kept for percentiles. */
  public void streamFirstToken(long nanos) {
    firstToken(nanos);
    streamFirstTokens.record(nanos);
  }

  /**
   * The {@code q}-quantile of recent streams' times to first token, in millis (up to 25 % above the true value);
   * -1 with fewer than {@code minSamples} samples.
   */
  public long streamFirstTokenMillis(double q, long minSamples) {
    return streamFirstTokens.quantileMillis(q, minSamples);
  }

  /** The provider failed the attempt (unreachable, timeout, 5xx, rate limited, broken reply). */
  public void failed() {
    inFlight.decrementAndGet();
    failures.increment();
    consecutiveFailures.incrementAndGet();
    lastFailureMillis.set(clock.millis());
    record(true);
  }

  /**
   * The attempt ended without saying anything about the provider's health: the client left, or the client's own
   * request was refused (a 400 answered promptly is a working provider).
   */
  public void neutral(boolean answered) {
    inFlight.decrementAndGet();
    if (answered) {
      noConsecutiveFailures();
      record(false);
    }
  }

  private void noConsecutiveFailures() {
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
  }

  /** Forgets the window, so a provider coming back is judged on its traffic from now on. */
  public void resetWindow() {
    for (int i = 0; i < SLOTS; i++) {
      stamps.set(i, -1);
    }
    consecutiveFailures.set(0);
  }

  private static void ewma(AtomicLong target, long sample) {
    long prev = target.get();
    long next = prev < 0 ? sample : (long) (prev + ALPHA * (sample - prev));
    target.compareAndSet(prev, next);
  }

  private void record(boolean failure) {
    long tick = (nanoClock.getAsLong() - origin) / slotNanos;
    int i = (int) (tick % SLOTS);
    long stamp = stamps.get(i);
    if (stamp != tick && stamps.compareAndSet(i, stamp, tick)) {
      for (int row = 0; row < STRIPES; row++) {
        slotAttempts.set(row * SLOTS + i, 0);
        slotFailures.set(row * SLOTS + i, 0);
      }
    }
    int at = (int) (Thread.currentThread().getId() & (STRIPES - 1)) * SLOTS + i;
    slotAttempts.incrementAndGet(at);
    if (failure) {
      slotFailures.incrementAndGet(at);
    }
  }

  /** Attempts and failures within the window, as {attempts, failures}. */
  public long[] window() {
    long now = (nanoClock.getAsLong() - origin) / slotNanos;
    long attempts = 0;
    long failed = 0;
    for (int i = 0; i < SLOTS; i++) {
      long stamp = stamps.get(i);
      if (stamp >= 0 && now - stamp < SLOTS) {
        for (int row = 0; row < STRIPES; row++) {
          attempts += slotAttempts.get(row * SLOTS + i);
          failed += slotFailures.get(row * SLOTS + i);
        }
      }
    }
    return new long[] {attempts, failed};
  }

  /** Failed share of the attempts in the window, 0 when there were none. */
  public double errorRate() {
    long[] w = window();
    return w[0] == 0 ? 0 : (double) w[1] / w[0];
  }

  public long requests() {
    return requests.sum();
  }

  public long failures() {
    return failures.sum();
  }

  public int inFlight() {
    return inFlight.get();
  }

  public int consecutiveFailures() {
    return consecutiveFailures.get();
  }

  /** Smoothed attempt latency in milliseconds, or -1 before the first success. */
  public double latencyMillis() {
    long v = ewmaLatencyMicros.get();
    return v < 0 ? -1 : v / 1000.0;
  }

  /** The 95th percentile of the latest successful attempts' latencies in milliseconds, or -1 before the first. */
  public double p95LatencyMillis() {
    return recent.quantileMillis(0.95);
  }

  /** Smoothed time to first token in milliseconds, or -1 before the first sample. */
  public double firstTokenMillis() {
    long v = ewmaFirstTokenMicros.get();
    return v < 0 ? -1 : v / 1000.0;
  }

  /** Wall-clock millis of the last success, 0 if none. */
  public long lastSuccessMillis() {
    return lastSuccessMillis.get();
  }

  public long lastFailureMillis() {
    return lastFailureMillis.get();
  }
}
