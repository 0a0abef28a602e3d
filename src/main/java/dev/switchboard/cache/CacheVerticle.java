package dev.switchboard.cache;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.util.logging.Logger;

/**
 * Owns the response cache's upkeep, off the request path: a periodic sweep so expired entries leave memory even when
 * nobody asks for them, the Redis tier's recovery pings while it is down, and clearing on an admin's request
 * ({@value #CLEAR_ADDRESS} on the event bus, answered with what was removed). The gateway instances call the
 * {@link ResponseCache} directly.
 */
public final class CacheVerticle extends VerticleBase {
  public static final String CLEAR_ADDRESS = "switchboard.cache.clear";
  private static final Logger LOG = Logger.getLogger(CacheVerticle.class.getName());
  static final long SWEEP_MILLIS = 1_000;

  private final ResponseCache cache;
  private boolean pinging;

  public CacheVerticle(ResponseCache cache) {
    this.cache = cache;
  }

  @Override
  public Future<?> start() {
    vertx.setPeriodic(SWEEP_MILLIS, id -> cache.maintain());
    vertx.eventBus().<JsonObject>consumer(CLEAR_ADDRESS, msg -> cache.clear().onComplete(ar -> {
      JsonObject cleared = ar.succeeded() ? ar.result() : new JsonObject().put("error", String.valueOf(ar.cause()));
      LOG.info("admin: response cache cleared " + cleared.encode());
      msg.reply(cleared);
    }));
    RedisTier redis = cache.redis();
    if (redis == null) {
      return Future.succeededFuture();
    }
    redis.listenForClears(() -> LOG.info("cache: another instance cleared the cache; memory tier emptied ("
        + cache.clearMemory() + " entries)"));
    long every = Math.max(1, cache.config().redis().retryInterval().toMillis());
    vertx.setPeriodic(every, id -> {
      if (!pinging) {
        pinging = true;
        cache.checkRedis().onComplete(ar -> pinging = false);
      }
    });
    // One ping now, so the log says at start-up whether the shared tier is there; the gateway starts either way.
    return redis.ping().onSuccess(v -> LOG.info("cache: shared tier on Redis at " + redis.where()))
        .otherwiseEmpty();
  }

  @Override
  public Future<?> stop() {
    return cache.close();
  }
}
