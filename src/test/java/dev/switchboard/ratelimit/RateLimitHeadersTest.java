package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The x-ratelimit-* headers, against the way they were built before their names and limit texts were kept. */
class RateLimitHeadersTest {
  private static Map<String, String> oracle(Limits limits, Buckets.Take take) {
    Map<String, String> h = new TreeMap<>();
    if (limits.rpm() > 0) {
      h.put("x-ratelimit-limit-requests", Long.toString(limits.rpm()));
      h.put("x-ratelimit-remaining-requests", Long.toString(Math.max(0, (long) Math.floor(take.requestsLeft()))));
      double missing = limits.burstRequests() - Math.max(0, take.requestsLeft());
      h.put("x-ratelimit-reset-requests", RateLimitHeaders.formatReset((long) Math.ceil(missing * 60_000.0
          / limits.rpm())));
    }
    if (limits.tpm() > 0) {
      h.put("x-ratelimit-limit-tokens", Long.toString(limits.tpm()));
      h.put("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, (long) Math.floor(take.tokensLeft()))));
      double missing = limits.burstTokens() - Math.max(0, take.tokensLeft());
      h.put("x-ratelimit-reset-tokens", RateLimitHeaders.formatReset((long) Math.ceil(missing * 60_000.0
          / limits.tpm())));
    }
    return h;
  }

  private static Map<String, String> actual(MultiMap headers) {
    Map<String, String> h = new TreeMap<>();
    headers.forEach(e -> assertThat(h.put(e.getKey().toString(), e.getValue())).as("one value per name").isNull());
    return h;
  }

  @Test
  void headersOfKeysWithDifferentLimitsTakenInTurnEachCarryTheirOwnLimits() {
    List<Limits> limits = List.of(new Limits(2, 0, 2, 0), new Limits(100, 10_000, 100, 10_000),
        new Limits(0, 500, 0, 500), new Limits(100, 10_000, 100, 10_000), new Limits(60, 90_000, 120, 180_000));
    List<Buckets.Take> takes = List.of(new Buckets.Take(true, 1, 0, 0), new Buckets.Take(true, 99.5, 9_876.4, 0),
        new Buckets.Take(false, 0, -3, 1_500), new Buckets.Take(true, 0, 0, 0));
    for (int round = 0; round < 3; round++) {
      for (Limits l : limits) {
        for (Buckets.Take t : takes) {
          MultiMap headers = MultiMap.caseInsensitiveMultiMap();
          RateLimitHeaders.of(l, t).addTo(headers);
          assertThat(actual(headers)).as("%s after %s", l, t).isEqualTo(oracle(l, t));
          if (l.rpm() > 0) {
            assertThat(headers.get("X-RateLimit-Limit-Requests")).as("case-insensitive").isEqualTo(
                Long.toString(l.rpm()));
          }
        }
      }
    }
  }
}
