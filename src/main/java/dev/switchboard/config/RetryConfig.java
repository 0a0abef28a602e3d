package dev.switchboard.config;

import java.time.Duration;

/**
 * Retries of one provider after a momentary failure (5xx, 429 with a short wait, a cut stream).
 *
 * @param perProvider extra tries of the same provider within one request
 * @param backoffBase first backoff; each retry doubles it, with full jitter
 * @param backoffMax cap of one backoff
 * @param maxRetryAfter longest {@code Retry-After} the gateway waits out on the same provider; a longer one moves
 *     the request to the next provider at once
 * @param sameProviderFirst retry a provider after a momentary failure before moving on; when false (default) the
 *     request moves on at once while another candidate is left (the next provider answers sooner than a backoff
 *     ends), and the failing one is retried only as the last candidate
 */
public record RetryConfig(int perProvider, Duration backoffBase, Duration backoffMax, Duration maxRetryAfter,
                          boolean sameProviderFirst) {
  public static final RetryConfig DEFAULT =
      new RetryConfig(1, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(5), false);
}
