package dev.switchboard.ratelimit;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * Owns the rate limiter's background work: the shared store's lifecycle (loading the Lua script into Redis, closing
 * the client), its heartbeat (which counts the live instances and, while Redis is away, probes it) and draining the
 * per-key queues, in order, as buckets refill. Buckets themselves refill lazily on use, so there is no per-bucket
 * timer.
 */
public final class RateLimitVerticle extends VerticleBase {
  /** How often waiting requests are looked at; the wait a queued request may see beyond its bucket's refill. */
  static final long DRAIN_MILLIS = 5;

  private final RateLimiter limiter;
  private final long heartbeatMillis;

  public RateLimitVerticle(RateLimiter limiter, java.time.Duration heartbeat) {
    this.limiter = limiter;
    this.heartbeatMillis = Math.max(1, heartbeat.toMillis());
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(DRAIN_MILLIS, id -> {
      if (limiter.anyQueued()) {
        limiter.drain();
      }
    });
    if (limiter.buckets() instanceof RedisBuckets redis) {
      vertx.setPeriodic(heartbeatMillis, id -> redis.heartbeat());
      return redis.start();
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    return limiter.buckets() instanceof RedisBuckets redis ? redis.close() : Future.succeededFuture();
  }
}
