package dev.switchboard.provider;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters for one provider, written from every gateway event loop without locks. The routing issue
 * builds its scores on these; here they feed the admin view and the logs.
 */
public final class ProviderStats {
  private final LongAdder requests = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  /** EWMA of attempt latency in microseconds; CAS-updated, a lost race only drops one sample's weight. */
  private final AtomicLong ewmaLatencyMicros = new AtomicLong(-1);
  private static final double ALPHA = 0.2;

  public void started() {
    requests.increment();
    inFlight.incrementAndGet();
  }

  public void succeeded(long latencyNanos) {
    inFlight.decrementAndGet();
    consecutiveFailures.set(0);
    long sample = latencyNanos / 1_000;
    long prev = ewmaLatencyMicros.get();
    long next = prev < 0 ? sample : (long) (prev + ALPHA * (sample - prev));
    ewmaLatencyMicros.compareAndSet(prev, next);
  }

  public void failed() {
    inFlight.decrementAndGet();
    failures.increment();
    consecutiveFailures.incrementAndGet();
  }

  /** The client left mid-attempt: neither a success nor the provider's fault. */
  public void cancelled() {
    inFlight.decrementAndGet();
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

  /** Smoothed latency in milliseconds, or -1 before the first success. */
  public double latencyMillis() {
    long v = ewmaLatencyMicros.get();
    return v < 0 ? -1 : v / 1000.0;
  }
}
