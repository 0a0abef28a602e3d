package dev.switchboard.ratelimit;

import dev.switchboard.api.HeaderBlock;
import dev.switchboard.config.Limits;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

/**
 * OpenAI's {@code x-ratelimit-*} headers for a client key's buckets, so SDKs written for OpenAI pace themselves
 * against the gateway the same way (limit, remaining, and time until the bucket is full again, per dimension).
 */
final class RateLimitHeaders {
  private RateLimitHeaders() {
  }

  // Names made once as Netty's ASCII strings: their case-insensitive hash is computed once, not per request and
  // again when the reply copies them into its headers.
  private static final CharSequence LIMIT_REQUESTS = HttpHeaders.createOptimized("x-ratelimit-limit-requests");
  private static final CharSequence REMAINING_REQUESTS = HttpHeaders.createOptimized("x-ratelimit-remaining-requests");
  private static final CharSequence RESET_REQUESTS = HttpHeaders.createOptimized("x-ratelimit-reset-requests");
  private static final CharSequence LIMIT_TOKENS = HttpHeaders.createOptimized("x-ratelimit-limit-tokens");
  private static final CharSequence REMAINING_TOKENS = HttpHeaders.createOptimized("x-ratelimit-remaining-tokens");
  private static final CharSequence RESET_TOKENS = HttpHeaders.createOptimized("x-ratelimit-reset-tokens");

  /** The limit values' texts of the last limits asked with (the same few key limits, request after request). */
  private record LimitTexts(Limits limits, String rpm, String tpm) {
  }

  private static volatile LimitTexts lastLimits = new LimitTexts(Limits.NONE, "0", "0");

  /** The headers for a key's buckets after this take. */
  static HeaderBlock of(Limits limits, Buckets.Take take) {
    LimitTexts texts = lastLimits;
    if (texts.limits() != limits) {
      texts = new LimitTexts(limits, Long.toString(limits.rpm()), Long.toString(limits.tpm()));
      lastLimits = texts;
    }
    String remainingRequests = null;
    String resetRequests = null;
    if (limits.rpm() > 0) {
      remainingRequests = Long.toString(Math.max(0, (long) Math.floor(take.requestsLeft())));
      double missing = limits.burstRequests() - Math.max(0, take.requestsLeft());
      resetRequests = formatReset((long) Math.ceil(missing * 60_000.0 / limits.rpm()));
    }
    String remainingTokens = null;
    String resetTokens = null;
    if (limits.tpm() > 0) {
      remainingTokens = Long.toString(Math.max(0, (long) Math.floor(take.tokensLeft())));
      double missing = limits.burstTokens() - Math.max(0, take.tokensLeft());
      resetTokens = formatReset((long) Math.ceil(missing * 60_000.0 / limits.tpm()));
    }
    return new Values(texts, remainingRequests, resetRequests, remainingTokens, resetTokens);
  }

  /** One reply's values; a dimension without a limit (null texts) is left out. */
  private record Values(LimitTexts limits, String remainingRequests, String resetRequests, String remainingTokens,
                        String resetTokens) implements HeaderBlock {
    @Override
    public void addTo(MultiMap headers) {
      if (remainingRequests != null) {
        headers.set(LIMIT_REQUESTS, limits.rpm());
        headers.set(REMAINING_REQUESTS, remainingRequests);
        headers.set(RESET_REQUESTS, resetRequests);
      }
      if (remainingTokens != null) {
        headers.set(LIMIT_TOKENS, limits.tpm());
        headers.set(REMAINING_TOKENS, remainingTokens);
        headers.set(RESET_TOKENS, resetTokens);
      }
    }
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
