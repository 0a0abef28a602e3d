package dev.switchboard.admin;

import io.vertx.core.json.JsonObject;

import java.util.Arrays;

/**
 * The last {@value #SPAN_MILLIS} ms of one provider's finished requests, as seen by the dashboard: a fixed ring of
 * samples (no allocation per request, bounded memory), from which each snapshot computes requests per second,
 * latency and time-to-first-token percentiles, tokens and the error share. Fed only while a dashboard watches.
 */
final class RollingWindow {
  static final long SPAN_MILLIS = 30_000;
  static final int CAPACITY = 4096;

  private final long[] at = new long[CAPACITY];
  private final long[] latency = new long[CAPACITY];
  private final long[] ttft = new long[CAPACITY];
  private final long[] tokens = new long[CAPACITY];
  private final boolean[] error = new boolean[CAPACITY];
  private int next;
  private int size;

  synchronized void add(long atMillis, long latencyMillis, long ttftMillis, long tokenCount, boolean failed) {
    at[next] = atMillis;
    latency[next] = latencyMillis;
    ttft[next] = ttftMillis;
    tokens[next] = tokenCount;
    error[next] = failed;
    next = (next + 1) % CAPACITY;
    size = Math.min(CAPACITY, size + 1);
  }

  /** Numbers over the samples of the last {@value #SPAN_MILLIS} ms; percentiles are null without samples. */
  synchronized JsonObject summary(long nowMillis) {
    long from = nowMillis - SPAN_MILLIS;
    long[] lat = new long[size];
    long[] first = new long[size];
    int n = 0;
    int nf = 0;
    long tok = 0;
    int errors = 0;
    long oldest = nowMillis;
    for (int i = 0; i < size; i++) {
      int k = (next - 1 - i + CAPACITY) % CAPACITY;
      if (at[k] < from) {
        break;
      }
      oldest = Math.min(oldest, at[k]);
      lat[n++] = latency[k];
      if (ttft[k] >= 0) {
        first[nf++] = ttft[k];
      }
      tok += tokens[k];
      if (error[k]) {
        errors++;
      }
    }
    // A full ring covers less than the span under heavy traffic: rates are over what it does cover.
    double seconds = Math.max(1.0, (size == CAPACITY && n == CAPACITY ? nowMillis - oldest : SPAN_MILLIS) / 1000.0);
    Arrays.sort(lat, 0, n);
    Arrays.sort(first, 0, nf);
    return new JsonObject()
        .put("window_ms", SPAN_MILLIS)
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
