package dev.switchboard.provider;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A lock-free histogram of recent latencies for live percentiles (a provider's time to first token): log-linear
 * buckets, four per doubling from 1 ms to about 12 days, so a percentile is read within 25 % above the true value.
 * Recency without a clock: once {@value #HALVE_AT} samples have accumulated every count is halved, so the last few
 * hundred samples dominate and an old slow spell fades out.
 *
 * <p>Thread-safe: counts are CAS-updated per bucket; a sample racing a halving may keep its full weight, which a
 * statistic over hundreds of samples does not notice.
 */
public final class LatencyHistogram {
  static final int BUCKETS = 4 * 40;
  static final long HALVE_AT = 1_000;

  private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
  private final AtomicLong total = new AtomicLong();

  public void record(long nanos) {
    counts.incrementAndGet(bucket(Math.max(1, nanos / 1_000_000)));
    if (total.incrementAndGet() >= HALVE_AT) {
      halve();
    }
  }

  /** Samples currently weighed (decays with halving). */
  public long count() {
    return total.get();
  }

  /**
   * The {@code q}-quantile in millis (the upper bound of the bucket holding it), or -1 with fewer than
   * {@code minSamples} samples.
   */
  public long quantileMillis(double q, long minSamples) {
    long n = 0;
    long[] snapshot = new long[BUCKETS];
    for (int i = 0; i < BUCKETS; i++) {
      snapshot[i] = counts.get(i);
      n += snapshot[i];
    }
    if (n == 0 || n < minSamples) {
      return -1;
    }
    long rank = (long) Math.ceil(q * n);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += snapshot[i];
      if (seen >= rank) {
        return upperMillis(i);
      }
    }
    return upperMillis(BUCKETS - 1);
  }

  static int bucket(long millis) {
    int octave = 63 - Long.numberOfLeadingZeros(millis);
    int sub = octave >= 2 ? (int) ((millis >> (octave - 2)) & 3) : (int) ((millis << (2 - octave)) & 3);
    return Math.min(BUCKETS - 1, octave * 4 + sub);
  }

  /** The smallest millis value above bucket {@code i}. */
  static long upperMillis(int i) {
    int octave = i / 4;
    int sub = i % 4;
    return (long) Math.ceil((5 + sub) * Math.pow(2, octave) / 4);
  }

  private void halve() {
    long kept = 0;
    for (int i = 0; i < BUCKETS; i++) {
      kept += counts.updateAndGet(i, c -> c / 2);
    }
    total.set(kept);
  }
}
