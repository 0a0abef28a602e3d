package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import io.vertx.core.MultiMap;

/**
 * OpenAI's {@code x-ratelimit-*} headers for a client key's buckets, so SDKs written for OpenAI pace themselves
 * against the gateway the same way (limit, remaining, and time until the bucket is full again, per dimension).
 */
final class RateLimitHeaders {
  private RateLimitHeaders() {
  }

  /** The headers for a key's buckets after this take. */
  static MultiMap of(Limits limits, Buckets.Take take) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    if (limits.rpm() > 0) {
      h.set("x-ratelimit-limit-requests", Long.toString(limits.rpm()));
      h.set("x-ratelimit-remaining-requests", Long.toString(Math.max(0, (long) Math.floor(take.requestsLeft()))));
      double missing = limits.burstRequests() - Math.max(0, take.requestsLeft());
      h.set("x-ratelimit-reset-requests", formatReset((long) Math.ceil(missing * 60_000.0 / limits.rpm())));
    }
    if (limits.tpm() > 0) {
      h.set("x-ratelimit-limit-tokens", Long.toString(limits.tpm()));
      h.set("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, (long) Math.floor(take.tokensLeft()))));
      double missing = limits.burstTokens() - Math.max(0, take.tokensLeft());
      h.set("x-ratelimit-reset-tokens", formatReset((long) Math.ceil(missing * 60_000.0 / limits.tpm())));
    }
    return h;
  }

  /** OpenAI's reset format: "1s", "6m0s", "250ms". */
  static String formatReset(long millis) {
    if (millis < 1000) {
      return Math.max(0, millis) + "ms";
    }
    long seconds = (millis + 999) / 1000;
    if (seconds < 60) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 60) {
      return minutes + "m" + (seconds % 60) + "s";
    }
    return (minutes / 60) + "h" + (minutes % 60) + "m" + (seconds % 60) + "s";
  }
}
