package dev.switchboard.provider;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The latest {@value #SIZE} successful attempts' latencies of one provider, for a live percentile ({@code max_latency}
 * routing). Written from every event loop without locks: a slot is claimed by incrementing a counter, so two writers
 * never share one; a reader copies and sorts {@value #SIZE} longs, which costs microseconds and happens only for a
 * request that asks for a latency bound.
 */
final class LatencySamples {
  static final int SIZE = 128;
  private final AtomicLongArray micros = new AtomicLongArray(SIZE);
  private final AtomicLong written = new AtomicLong();

  void add(long latencyNanos) {
    long i = written.getAndIncrement();
    micros.set((int) (i % SIZE), Math.max(0, latencyNanos / 1_000));
  }

  /** The {@code q} quantile (0..1) in milliseconds, or -1 before the first sample. */
  double quantileMillis(double q) {
    int n = (int) Math.min(SIZE, written.get());
    if (n == 0) {
      return -1;
    }
    long[] copy = new long[n];
    for (int i = 0; i < n; i++) {
      copy[i] = micros.get(i);
    }
    Arrays.sort(copy);
    int at = (int) Math.ceil(q * n) - 1;
    return copy[Math.max(0, Math.min(n - 1, at))] / 1000.0;
  }
}
