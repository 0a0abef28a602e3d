package dev.switchboard.ratelimit;

import dev.switchboard.config.RateLimitConfig;
import dev.switchboard.config.RedisUrls;
import dev.switchboard.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.Response;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.logging.Logger;

/**
 * Whether Redis answers, and how many instances share it. The breaker keeps a hung or dead Redis off the request
 * path: the first command that fails or outlives {@code ratelimit.redis.timeout} opens it, and the first heartbeat
 * that answers closes it. The heartbeat keeps this instance in the live set and counts the live instances for the
 * leases and {@link FallbackShares shares}. Thread-safe: the breaker is an atomic flag, its times volatile.
 */
final class RedisLiveness {
  /** Logged under the buckets' name, where operators look for the shared store's news. */
  private static final Logger LOG = Logger.getLogger(RedisBuckets.class.getName());
  /** An instance whose heartbeat is this many intervals old no longer counts as live. */
  static final int HEARTBEATS_TO_EXPIRE = 3;

  /**
   * KEYS[1]: the sorted set of live instances, scored by their last heartbeat (Redis time, ms). ARGV: this instance's
   * id, how old a heartbeat may be (ms). Returns the number of live instances, this one included.
   */
  static final String HEARTBEAT = """
      local now_t = redis.call('TIME')
      local now = tonumber(now_t[1]) * 1000 + math.floor(tonumber(now_t[2]) / 1000)
      local ttl = tonumber(ARGV[2])
      redis.call('ZADD', KEYS[1], now, ARGV[1])
      redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
      redis.call('PEXPIRE', KEYS[1], ttl * 2)
      return redis.call('ZCARD', KEYS[1])
      """;

  /** Hears every answer to a heartbeat: whether it closed the breaker (Redis is back) or found it closed already. */
  interface Recovery {
    void answered(boolean breakerClosed);
  }

  private final RateLimitConfig config;
  private final GatewayMetrics metrics;
  private final RedisAPI redis;
  private final FallbackShares shares;
  private final String instanceId;
  private final LongSupplier clock;
  private final Recovery recovery;
  /** The breaker: true while Redis is known to be away and the request path must not ask it. */
  private final AtomicBoolean open = new AtomicBoolean();
  private final AtomicBoolean beating = new AtomicBoolean();
  /** When the breaker last opened (clock nanos): the first lease_ttl of an outage is decided from leases alone. */
  private volatile long openedAtNanos;
  private volatile String lastError;

  RedisLiveness(RateLimitConfig config, GatewayMetrics metrics, RedisAPI redis, FallbackShares shares,
                String instanceId, LongSupplier clock, Recovery recovery) {
    this.config = config;
    this.metrics = metrics;
    this.redis = redis;
    this.shares = shares;
    this.instanceId = instanceId;
    this.clock = clock;
    this.recovery = recovery;
    metrics.rateLimitBackendUp(() -> open.get() ? 0 : 1);
    metrics.rateLimitBreakerOpen(() -> open.get() ? 1 : 0);
    metrics.rateLimitInstances(shares::instances);
  }

  /** Whether the breaker is open: Redis is away, decide locally. */
  boolean open() {
    return open.get();
  }

  /** When the breaker last opened, by the buckets' clock. */
  long openedAtNanos() {
    return openedAtNanos;
  }

  /** What the last failed command said. */
  String lastError() {
    return lastError;
  }

  /** A Redis command bounded by {@code ratelimit.redis.timeout}: a command that outlives it fails (and trips). */
  <T> Future<T> timed(Future<T> call) {
    return call.timeout(config.redisTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * One heartbeat: refreshes this instance's entry in the live set and the count the shares divide by; while the
   * breaker is open it is the probe, and its answer closes the breaker. Never two at once.
   */
  Future<Void> heartbeat() {
    if (!beating.compareAndSet(false, true)) {
      return Future.succeededFuture();
    }
    metrics.rateLimitRedisCall("heartbeat");
    long ttl = Math.max(1, config.redisHeartbeat().toMillis() * HEARTBEATS_TO_EXPIRE);
    return timed(redis.eval(List.of(HEARTBEAT, "1", instancesKey(), instanceId, Long.toString(ttl))))
        .onComplete(ar -> beating.set(false))
        .onSuccess(r -> {
          shares.instances(r.toInteger());
          answered();
        })
        .onFailure(this::trip)
        .mapEmpty();
  }

  /** Leaves the live set, so the others count without this instance at once. */
  Future<Response> leave(RedisAPI api) {
    return timed(api.zrem(List.of(instancesKey(), instanceId)));
  }

  private String instancesKey() {
    return config.keyPrefix() + "instances";
  }

  /** Opens the breaker: from now on the request path decides locally until a heartbeat answers. */
  void trip(Throwable err) {
    lastError = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
    metrics.rateLimitBackendError();
    if (!open.get()) {
      // Before the flag, so no decision sees the breaker open with an older outage's start.
      openedAtNanos = clock.getAsLong();
    }
    if (open.compareAndSet(false, true)) {
      LOG.warning("rate limiter: Redis at " + RedisUrls.redacted(config.redisUrl()) + " unreachable (" + lastError
          + "); "
          + (config.failOpen() ? "deciding from this instance's leases (then its share, 1/" + shares.instances()
          + ", of each bucket's rate)"
          : "refusing rate-limited requests") + " until it answers again");
    }
  }

  /** A heartbeat answered: closes the breaker if it was open, then tells the buckets. */
  private void answered() {
    boolean closedNow = open.compareAndSet(true, false);
    if (closedNow) {
      LOG.info("rate limiter: Redis at " + RedisUrls.redacted(config.redisUrl())
          + " answers again; buckets are shared again");
    }
    recovery.answered(closedNow);
  }
}
