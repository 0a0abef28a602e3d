package dev.switchboard.ratelimit;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Owns the rate limiter's background work: the shared store's lifecycle (loading the Lua script into Redis, closing
 * the client) and draining the per-key queues, in order, as buckets refill. Buckets themselves refill lazily on
 * use, so there is no per-bucket timer.
 */
public final class RateLimitVerticle extends VerticleBase {
  /** How often waiting requests are looked at; the wait a queued request may see beyond its bucket's refill. */
  static final long DRAIN_MILLIS = 5;

  private final RateLimiter limiter;

  public RateLimitVerticle(RateLimiter limiter) {
    this.limiter = limiter;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(DRAIN_MILLIS, id -> {
      if (limiter.anyQueued()) {
        limiter.drain();
      }
    });
    return limiter.buckets() instanceof RedisBuckets redis ? redis.start() : Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return limiter.buckets() instanceof RedisBuckets redis ? redis.close() : Future.succeededFuture();
  }
}
