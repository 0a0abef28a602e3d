package dev.switchboard.usage;

import dev.switchboard.config.RateLimitConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Budget counters shared by every instance through Redis (the rate limiter's Redis): each request's cost is added
 * with one atomic INCRBYFLOAT per window, and every instance keeps a mirror of the totals, refreshed by its own
 * increments and by a periodic read, which the hot path reads without I/O. While Redis is unreachable the
 * instance's own counters carry on alone (logged once).
 */
final class SharedSpend {
  private static final Logger LOG = Logger.getLogger(SharedSpend.class.getName());

  private final RateLimitConfig config;
  private final Redis client;
  private final RedisAPI redis;
  private final Map<String, Double> mirror = new ConcurrentHashMap<>();
  private final AtomicBoolean up = new AtomicBoolean(true);

  SharedSpend(Vertx vertx, RateLimitConfig config) {
    this.config = config;
    this.client = Redis.createClient(vertx, new RedisOptions().setConnectionString(config.redisUrl())
        .setMaxPoolSize(4).setMaxPoolWaiting(4096).setMaxWaitingHandlers(4096));
    this.redis = RedisAPI.api(client);
  }

  private String key(String counter) {
    return config.keyPrefix() + "spend:" + counter;
  }

  /** The shared total of a counter as last seen, or -1 when never seen. */
  double total(String counter) {
    Double v = mirror.get(counter);
    return v == null ? -1 : v;
  }

  void add(String counter, double cost, long ttlSeconds) {
    String k = key(counter);
    timed(redis.incrbyfloat(k, Double.toString(cost)))
        .compose(total -> {
          mirror.put(counter, total.toDouble());
          return timed(redis.expire(List.of(k, Long.toString(ttlSeconds))));
        })
        .onSuccess(v -> recovered())
        .onFailure(this::down);
  }

  /** Reads the current totals of these counters into the mirror. */
  Future<Void> refresh(List<String> counters) {
    if (counters.isEmpty()) {
      return Future.succeededFuture();
    }
    List<String> keys = new ArrayList<>(counters.size());
    counters.forEach(c -> keys.add(key(c)));
    return timed(redis.mget(keys)).map(values -> {
      for (int i = 0; i < counters.size(); i++) {
        Response v = values.get(i);
        mirror.put(counters.get(i), v == null ? 0.0 : Double.parseDouble(v.toString()));
      }
      recovered();
      return (Void) null;
    }).onFailure(this::down).otherwiseEmpty();
  }

  private <T> Future<T> timed(Future<T> call) {
    return call.timeout(config.redisTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void down(Throwable t) {
    if (up.compareAndSet(true, false)) {
      LOG.warning("budgets: Redis unreachable (" + t.getMessage() + "); counting this instance's spend alone until "
          + "it answers");
    }
  }

  private void recovered() {
    if (up.compareAndSet(false, true)) {
      LOG.info("budgets: Redis answers again; spend is shared again");
    }
  }

  void close() {
    client.close();
  }
}
