package dev.switchboard.cache;

import dev.switchboard.config.CacheConfig;
import dev.switchboard.config.RedisUrls;
import dev.switchboard.metrics.GatewayMetrics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The shared tier: entries in Redis under {@code key_prefix + key}, compressed ({@link EntryCodec}), with their
 * remaining TTL set in Redis ({@code SET … PX}) so Redis drops them itself.
 *
 * <p>Redis is an optimisation, never a dependency: every command is bounded by {@code redis.timeout}, and the first
 * failure marks the tier down (one warning, {@code switchboard_cache_redis_up} 0, each failed command counted). While
 * down the request path does not touch Redis at all (memory only, no added latency); the {@link CacheVerticle} pings
 * it every {@code retry_interval} and the first answer brings the tier back (one info line). The pooled client
 * reconnects by itself.
 *
 * <p>Compression and decompression of values above {@link #INLINE_CODEC_BYTES} run on a worker thread
 * ({@code executeBlocking}), so a large entry never holds an event loop; small ones (the usual chat reply) are
 * coded inline, where a thread hop would cost more than the work.
 */
final class RedisTier {
  private static final Logger LOG = Logger.getLogger(RedisTier.class.getName());
  static final int INLINE_CODEC_BYTES = 16 * 1024;
  private static final int SCAN_BATCH = 500;

  private final Vertx vertx;
  private final Redis client;
  private final CacheConfig.Redis config;
  private final GatewayMetrics metrics;
  private final long maxEntryBytes;
  private final LongSupplier wallMillis;
  private final String where;
  private final AtomicBoolean up = new AtomicBoolean(true);
  /** Clears announced to and by the other instances sharing this Redis, whose memory tiers must empty too. */
  private final RedisAnnouncements clears;
  /** Set at shutdown: late writes of requests still finishing are dropped quietly instead of failing loudly. */
  private volatile boolean closed;

  RedisTier(Vertx vertx, CacheConfig.Redis config, long maxEntryBytes, GatewayMetrics metrics,
            LongSupplier wallMillis) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.maxEntryBytes = maxEntryBytes;
    this.wallMillis = wallMillis;
    this.where = RedisUrls.address(config.url());
    this.client = RedisClients.create(vertx, config);
    this.clears = new RedisAnnouncements(vertx, RedisClients.create(vertx, config), config.keyPrefix() + "clear",
        "cache clear", false);
    metrics.cacheRedisUp(() -> up.get() ? 1 : 0);
  }

  /** Usable on the request path: answering and not closed. */
  boolean up() {
    return up.get() && !closed;
  }

  String where() {
    return where;
  }

  /** The entry under a key, or null on a miss, a bad value or any Redis trouble. Completes on the caller's context. */
  Future<CachedReply> get(String key) {
    Context ctx = vertx.getOrCreateContext();
    Future<CachedReply> read = send("get", Request.cmd(Command.GET).arg(config.keyPrefix() + key))
        .compose(resp -> {
          if (resp == null) {
            return Future.succeededFuture(null);
          }
          byte[] value = resp.toBytes();
          return value.length <= INLINE_CODEC_BYTES ? Future.succeededFuture(decode(key, value))
              : vertx.executeBlocking(() -> decode(key, value), false);
        })
        .otherwise((CachedReply) null);
    return onContext(ctx, read);
  }

  private CachedReply decode(String key, byte[] value) {
    try {
      CachedReply e = EntryCodec.decode(value, maxEntryBytes);
      return e.remainingMillis(wallMillis.getAsLong()) > 0 ? e : null;
    } catch (IllegalArgumentException ex) {
      // Another version's entry or a foreign value under our prefix: a miss, and the next store replaces it.
      LOG.fine("cache: ignoring unreadable Redis value " + config.keyPrefix() + key + ": " + ex.getMessage());
      return null;
    }
  }

  /** Stores an entry with its remaining TTL; fire and forget (a failure only marks the tier down). */
  void set(String key, CachedReply entry) {
    long ttl = entry.remainingMillis(wallMillis.getAsLong());
    if (!up.get() || closed || ttl <= 0) {
      return;
    }
    Future<byte[]> encoded = entry.data().length <= INLINE_CODEC_BYTES
        ? Future.succeededFuture(EntryCodec.encode(entry))
        : vertx.executeBlocking(() -> EntryCodec.encode(entry), false);
    encoded.compose(bytes -> send("set", Request.cmd(Command.SET).arg(config.keyPrefix() + key).arg(bytes)
        .arg("PX").arg(ttl)));
  }

  /** One PING: brings the tier back when Redis answers. */
  Future<Void> ping() {
    return send("ping", Request.cmd(Command.PING)).mapEmpty();
  }

  /**
   * Deletes every key under the prefix (SCAN + UNLINK in batches) and tells the other instances, which empty their
   * memory tier; the number deleted.
   */
  Future<Long> clear() {
    return clearFrom("0", 0).compose(n -> send("clear", clears.announcement()).map(n));
  }

  /** Calls {@code cleared} whenever another instance sharing this Redis clears the cache. */
  void listenForClears(Runnable cleared) {
    clears.listen(cleared);
  }

  private Future<Long> clearFrom(String cursor, long deleted) {
    return send("clear", Request.cmd(Command.SCAN).arg(cursor).arg("MATCH").arg(escapeGlob(config.keyPrefix()) + "*")
        .arg("COUNT").arg(SCAN_BATCH))
        .compose(resp -> {
          String next = resp.get(0).toString();
          List<String> keys = new ArrayList<>();
          resp.get(1).forEach(k -> keys.add(k.toString()));
          Future<Long> removed = keys.isEmpty() ? Future.succeededFuture(0L)
              : send("clear", unlink(keys)).map(r -> r == null ? 0L : r.toLong());
          return removed.compose(n -> next.equals("0") ? Future.succeededFuture(deleted + n)
              : clearFrom(next, deleted + n));
        });
  }

  private static Request unlink(List<String> keys) {
    Request r = Request.cmd(Command.UNLINK);
    keys.forEach(r::arg);
    return r;
  }

  /** A command bounded by the timeout; a failure marks the tier down, a success up. */
  private Future<Response> send(String op, Request request) {
    Future<Response> f;
    try {
      f = client.send(request).timeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    return f.onSuccess(r -> markUp()).onFailure(err -> markDown(op, err));
  }

  private void markUp() {
    if (up.compareAndSet(false, true)) {
      LOG.info("cache: Redis at " + where + " answers again; the shared tier is back");
    }
  }

  private void markDown(String op, Throwable err) {
    if (closed) {
      return;
    }
    metrics.cacheRedisError(op);
    if (up.compareAndSet(true, false)) {
      LOG.warning("cache: Redis at " + where + " failed (" + op + ": " + describe(err) + "); serving from memory "
          + "only until it answers again");
    } else {
      LOG.log(Level.FINE, "cache: Redis " + op + " failed while down: " + describe(err));
    }
  }

  Future<Void> close() {
    closed = true;
    clears.close();
    return client.close();
  }

  private static String describe(Throwable err) {
    String m = err.getMessage();
    return err.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  private static String escapeGlob(String prefix) {
    return prefix.replaceAll("([*?\\[\\]\\\\])", "\\\\$1");
  }

  /** Completes on {@code ctx}, whichever thread the Redis client answers on. */
  private static <T> Future<T> onContext(Context ctx, Future<T> f) {
    Promise<T> p = ((ContextInternal) ctx).promise();
    f.onComplete(p);
    return p.future();
  }
}
