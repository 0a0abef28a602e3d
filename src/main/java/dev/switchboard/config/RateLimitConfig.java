package dev.switchboard.config;

import java.time.Duration;

/**
 * Token-bucket rate limiting.
 *
 * @param backend {@code memory} (per instance) or {@code redis} (shared by every instance)
 * @param redisUrl e.g. redis://127.0.0.1:6379/0
 * @param failOpen with Redis unreachable: true = fall back to local buckets, false = refuse limited requests
 * @param keyPrefix prefix of every Redis key
 * @param redisTimeout longest wait for a Redis answer before falling back
 * @param defaultKeyLimits limits of client keys without their own (and of the anonymous caller of an open gateway)
 * @param queueMaxWait longest a request over its key's limit waits for the bucket; 0 = refuse at once
 * @param queueMaxLength most requests waiting per key; more are refused at once
 * @param defaultCompletionTokens completion tokens assumed for a request without max_tokens
 * @param redisHeartbeat how often each instance tells Redis it is alive (the live count divides the fallback
 *     shares) and, while Redis is away, probes it
 * @param leaseFraction share of each bucket's burst the instances together may hold as leases: reserved in Redis
 *     while it answers, each instance's part ({@code leaseFraction / live instances}) is all it may admit while cut
 *     off from Redis; 0 = no leases (a cut-off instance admits nothing until {@code leaseTtl} has passed)
 * @param leaseTtl how long a lease lasts without its holder renewing it (each call on the bucket renews it); an
 *     expired lease is dropped from the bucket, and it is also how long an outage is decided from leases alone
 */
public record RateLimitConfig(String backend, String redisUrl, boolean failOpen, String keyPrefix,
                              Duration redisTimeout, Limits defaultKeyLimits, Duration queueMaxWait,
                              int queueMaxLength, int defaultCompletionTokens, Duration redisHeartbeat,
                              double leaseFraction, Duration leaseTtl) {
  public static final RateLimitConfig DEFAULT = new RateLimitConfig("memory", "redis://127.0.0.1:6379", true,
      "switchboard:", Duration.ofMillis(250), Limits.NONE, Duration.ZERO, 100, 1024, Duration.ofSeconds(1),
      0.1, Duration.ofSeconds(30));

  public boolean redis() {
    return "redis".equals(backend);
  }
}
