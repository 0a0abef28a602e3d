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
  private final HoldScripts reserve = new HoldScripts(HoldScripts.RESERVE);
  private final HoldScripts settle = new HoldScripts(HoldScripts.SETTLE);

  SharedSpend(Vertx vertx, RateLimitConfig config) {
    this.config = config;
    this.client = Redis.createClient(vertx, new RedisOptions().setConnectionString(config.redisUrl())
        .setMaxPoolSize(16).setMaxPoolWaiting(4096).setMaxWaitingHandlers(4096));
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

  /** A refused reservation: the window (index into the counters) that refused, its spend and what was held in it. */
  record Refusal(int window, double spent, double held) {
  }

  /**
   * Holds {@code amount} for a request in every window of {@code counters} atomically, or in none: null when held,
   * else the refusal. Fails when Redis does not answer in time (the caller then holds locally).
   */
  Future<Refusal> reserve(List<String> counters, double[] limits, String requestId, double amount, long nowMillis,
                          long ttlMillis) {
    List<String> args = new ArrayList<>(5 + limits.length);
    args.add(Long.toString(nowMillis));
    args.add(Long.toString(nowMillis + ttlMillis));
    args.add(requestId);
    args.add(Double.toString(amount));
    // The hash outlives its newest hold a little, so an idle key's holds vanish with their expiry.
    args.add(Long.toString(ttlMillis + 60_000));
    for (double limit : limits) {
      args.add(Double.toString(limit));
    }
    return timed(reserve.eval(redis, holdKeys(counters), args)).map(answer -> {
      recovered();
      int window = answer.get(0).toInteger();
      if (window == 0) {
        return (Refusal) null;
      }
      double spent = Double.parseDouble(answer.get(1).toString());
      mirror.merge(counters.get(window - 1), spent, Math::max);
      return new Refusal(window - 1, spent, Double.parseDouble(answer.get(2).toString()));
    }).onFailure(this::down);
  }

  /** Replaces a request's holds by its actual cost, added to each window's spend (one round trip). */
  void settle(List<String> counters, String requestId, double cost, long[] ttlSeconds) {
    List<String> args = new ArrayList<>(2 + ttlSeconds.length);
    args.add(requestId);
    args.add(Double.toString(cost));
    for (long ttl : ttlSeconds) {
      args.add(Long.toString(ttl));
    }
    timed(settle.eval(redis, holdKeys(counters), args)).onSuccess(totals -> {
      for (int i = 0; i < counters.size(); i++) {
        mirror.put(counters.get(i), Double.parseDouble(totals.get(i).toString()));
      }
      recovered();
    }).onFailure(this::down);
  }

  private List<String> holdKeys(List<String> counters) {
    List<String> keys = new ArrayList<>(3 * counters.size());
    for (String c : counters) {
      keys.add(key(c));
      keys.add(config.keyPrefix() + "held:" + c);
      keys.add(config.keyPrefix() + "heldx:" + c);
    }
    return keys;
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
