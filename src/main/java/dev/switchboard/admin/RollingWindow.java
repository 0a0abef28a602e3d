package dev.switchboard.admin;

import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The last {@value #SPAN_MILLIS} ms of one provider's finished requests, as seen by the dashboard: a fixed ring of
 * samples (no allocation per request, bounded memory), from which each snapshot computes requests per second,
 * latency and time-to-first-token percentiles, tokens and the error share.
 *
 * <p>Fed by every finished request, whether or not a dashboard watches, so the first snapshot a dashboard gets is
 * already right. Thread-safe and lock-free: {@link #add} claims a slot with one {@code getAndIncrement} and publishes
 * it by writing its time last; a summary racing a writer may see one sample half-written, which a dashboard can bear.
 *
 * <p>Rates are divided by the time the samples actually cover: the span, or less while the window is younger than
 * the span, or less again when a full ring holds fewer than the span's requests.
 */
final class RollingWindow {
  static final long SPAN_MILLIS = 30_000;
  /** A power of two, so a slot is the cursor masked. */
  static final int CAPACITY = 4096;
  /** The shortest time a rate is divided by: one sample a millisecond after start is not 1000 req/s. */
  static final long MIN_COVER_MILLIS = 1_000;

  private final long startedMillis;
  private final AtomicLong cursor = new AtomicLong();
  /** When each slot's sample finished; {@link Long#MIN_VALUE} for a slot never written. */
  private final AtomicLongArray at = new AtomicLongArray(CAPACITY);
  private final long[] latency = new long[CAPACITY];
  private final long[] ttft = new long[CAPACITY];
  private final long[] tokens = new long[CAPACITY];
  private final boolean[] error = new boolean[CAPACITY];

  /** @param startedMillis when the window began to be fed (rates before a full span are over the time since) */
  RollingWindow(long startedMillis) {
    this.startedMillis = startedMillis;
    for (int i = 0; i < CAPACITY; i++) {
      at.set(i, Long.MIN_VALUE);
    }
  }

  void add(long atMillis, long latencyMillis, long ttftMillis, long tokenCount, boolean failed) {
    int k = (int) (cursor.getAndIncrement() & (CAPACITY - 1));
    latency[k] = latencyMillis;
    ttft[k] = ttftMillis;
    tokens[k] = tokenCount;
    error[k] = failed;
    at.set(k, atMillis);
  }

  /** Numbers over the samples of the last {@value #SPAN_MILLIS} ms; percentiles are null without samples. */
  JsonObject summary(long nowMillis) {
    long from = nowMillis - SPAN_MILLIS;
    long[] lat = new long[CAPACITY];
    long[] first = new long[CAPACITY];
    int n = 0;
    int nf = 0;
    long tok = 0;
    int errors = 0;
    long oldest = Long.MAX_VALUE;
    for (int k = 0; k < CAPACITY; k++) {
      long t = at.get(k);
      if (t <= from || t > nowMillis) {
        continue;
      }
      oldest = Math.min(oldest, t);
      lat[n++] = latency[k];
      if (ttft[k] >= 0) {
        first[nf++] = ttft[k];
      }
      tok += tokens[k];
      if (error[k]) {
        errors++;
      }
    }
    long coverMillis = Math.min(SPAN_MILLIS, nowMillis - startedMillis);
    if (n == CAPACITY) {
      // A full ring covers less than the span under heavy traffic: rates are over what it does cover.
      coverMillis = Math.min(coverMillis, nowMillis - oldest);
    }
    double seconds = Math.max(MIN_COVER_MILLIS, coverMillis) / 1000.0;
    Arrays.sort(lat, 0, n);
    Arrays.sort(first, 0, nf);
    return new JsonObject()
        .put("window_ms", SPAN_MILLIS)
        .put("covered_ms", Math.max(0, coverMillis))
        .put("requests", n)
        .put("requests_per_second", Math.round(n / seconds * 100) / 100.0)
        .put("latency_p50_ms", percentile(lat, n, 0.50))
        .put("latency_p99_ms", percentile(lat, n, 0.99))
        .put("ttft_p50_ms", percentile(first, nf, 0.50))
        .put("ttft_p99_ms", percentile(first, nf, 0.99))
        .put("tokens", tok)
        .put("tokens_per_second", Math.round(tok / seconds * 10) / 10.0)
        .put("error_rate", n == 0 ? 0.0 : Math.round(1000.0 * errors / n) / 1000.0);
  }

  /** Nearest-rank percentile of the first n sorted values. */
  static Long percentile(long[] sorted, int n, double q) {
    if (n == 0) {
      return null;
    }
    int rank = (int) Math.ceil(q * n);
    return sorted[Math.max(0, Math.min(n - 1, rank - 1))];
  }
}
