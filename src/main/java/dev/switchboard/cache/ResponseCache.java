package dev.switchboard.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.switchboard.config.CacheConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.api.RequestOutcome;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The response cache, shared by every gateway event loop and safe to call from any of them: the hot path asks it
 * directly (through the {@link CacheStage} and the {@link CacheStore} listener), no event-bus round trip. The {@link CacheVerticle} owns its upkeep (expiry sweeps,
 * Redis pings, clearing).
 *
 * <p>Tiers: an in-memory Caffeine cache bounded by bytes (a weigher; W-TinyLFU eviction, so entries read often
 * outlive one-off ones) with each entry's own TTL, then, with {@code backend: redis}, Redis shared by every
 * instance ({@link RedisTier}), read after a local miss and written after every store.
 *
 * <p>For one cacheable request: a hit replays the entry ({@code x-switchboard-cache: HIT}, {@code age}); a miss goes
 * upstream with a {@link Recorder} on the reply ({@code MISS}) and, when the reply ended well, stores it. Identical
 * requests arriving while the first is in flight wait for it (at most {@code coalesce_wait}) and replay its answer;
 * if it fails or cannot be stored they are released to go upstream themselves.
 */
public final class ResponseCache {
  private final Vertx vertx;
  /**
   * The running generation's section: mode, TTLs, sharing, coalescing and replay pace are read per request, so a
   * reload changes them; the backend, the memory bound and the stale window stay as started.
   */
  private final java.util.function.Supplier<CacheConfig> settings;
  private final GatewayMetrics metrics;
  private final CachePolicy policy;
  private final Cache<String, CachedReply> local;
  private final RedisTier redis;
  private final Ticker ticker;
  private final long wallBaseMillis;
  private final long tickerBase;
  private final long staleKeepMillis;
  private final ConcurrentHashMap<String, CompletableFuture<CachedReply>> inFlight = new ConcurrentHashMap<>();
  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder bypasses = new LongAdder();
  private final LongAdder stores = new LongAdder();
  private final LongAdder skipped = new LongAdder();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder redisHits = new LongAdder();
  private final LongAdder coalesced = new LongAdder();

  public ResponseCache(Vertx vertx, CacheConfig config, GatewayMetrics metrics) {
    this(vertx, config, metrics, Ticker.systemTicker(), System.currentTimeMillis());
  }

  /**
   * @param ticker the clock of expiry and age (tests pass a fake one to move time)
   * @param wallBaseMillis the wall-clock time at {@code ticker}'s current reading
   */
  public ResponseCache(Vertx vertx, CacheConfig config, GatewayMetrics metrics, Ticker ticker, long wallBaseMillis) {
    this(vertx, () -> config, metrics, ticker, wallBaseMillis);
  }

  /** @param settings the running generation's cache section (see {@link dev.switchboard.config.LiveConfig}) */
  public ResponseCache(Vertx vertx, java.util.function.Supplier<CacheConfig> settings, GatewayMetrics metrics,
                       Ticker ticker, long wallBaseMillis) {
    CacheConfig config = settings.get();
    this.vertx = vertx;
    this.settings = settings;
    this.metrics = metrics;
    this.policy = new CachePolicy(settings);
    this.ticker = ticker;
    this.tickerBase = ticker.read();
    this.wallBaseMillis = wallBaseMillis;
    this.staleKeepMillis = config.stale().keepMillis();
    this.local = Caffeine.newBuilder()
        .maximumWeight(config.maxBytes())
        .weigher((String k, CachedReply v) -> v.weight())
        .expireAfter(new EntryExpiry())
        .ticker(ticker)
        // Upkeep runs on the calling thread: a few counter updates, cheaper than a hand-off to another pool.
        .executor(Runnable::run)
        .evictionListener((String k, CachedReply v, RemovalCause cause) -> {
          if (cause == RemovalCause.SIZE || cause == RemovalCause.EXPIRED) {
            evictions.increment();
            metrics.cacheEviction(cause == RemovalCause.SIZE ? "size" : "expired");
          }
        })
        .build();
    this.redis = config.redisEnabled()
        ? new RedisTier(vertx, config.redis(), config.maxEntryBytes(), metrics, this::nowMillis) : null;
    metrics.cacheSize(this::bytes, () -> local.estimatedSize());
  }

  /** Each entry lives until its own expiry time; reads do not extend it. */
  private final class EntryExpiry implements Expiry<String, CachedReply> {
    @Override
    public long expireAfterCreate(String key, CachedReply value, long currentTime) {
      // With serve_stale_on_error an entry is kept max_stale past its expiry, for when every provider fails.
      return TimeUnit.MILLISECONDS.toNanos(Math.max(0, value.remainingMillis(nowMillis()) + staleKeepMillis));
    }

    @Override
    public long expireAfterUpdate(String key, CachedReply value, long currentTime, long currentDuration) {
      return expireAfterCreate(key, value, currentTime);
    }

    @Override
    public long expireAfterRead(String key, CachedReply value, long currentTime, long currentDuration) {
      return currentDuration;
    }
  }

  /** Wall-clock time as this cache's ticker sees it. */
  long nowMillis() {
    return wallBaseMillis + TimeUnit.NANOSECONDS.toMillis(ticker.read() - tickerBase);
  }

  /** The running generation's cache section. */
  public CacheConfig config() {
    return settings.get();
  }

  // ---- for the cache stage and the store listener -------------------------------------------------------------

  CachePolicy policy() {
    return policy;
  }

  GatewayMetrics metrics() {
    return metrics;
  }

  Vertx vertx() {
    return vertx;
  }

  /** The memory tier's fresh entry for {@code key}, or null. */
  CachedReply local(String key) {
    CachedReply entry = local.getIfPresent(key);
    return entry == null || staleKeepMillis > 0 && entry.remainingMillis(nowMillis()) <= 0 ? null : entry;
  }

  /**
   * The memory tier's expired entry for {@code key} that is still within {@code max_stale}, or null: what may be
   * served when every provider failed ({@code serve_stale_on_error}).
   */
  CachedReply stale(String key) {
    if (staleKeepMillis <= 0) {
      return null;
    }
    CachedReply entry = local.getIfPresent(key);
    long remaining = entry == null ? 0 : entry.remainingMillis(nowMillis());
    return entry != null && remaining <= 0 && -remaining <= staleKeepMillis ? entry : null;
  }

  /** An entry read from Redis after a local miss: kept in memory too. */
  void sharedHit(String key, CachedReply entry) {
    local.put(key, entry);
    redisHits.increment();
  }

  /** Makes {@code mine} the leader for {@code key}; returns the request already leading instead, if any. */
  CompletableFuture<CachedReply> lead(String key, CompletableFuture<CachedReply> mine) {
    return inFlight.putIfAbsent(key, mine);
  }

  void countBypass() {
    bypasses.increment();
  }

  void countMiss() {
    misses.increment();
  }

  void countHit(boolean coalescedHit) {
    hits.increment();
    if (coalescedHit) {
      coalesced.increment();
    }
  }

  /** Stores the recorded reply when it ended well; then releases whoever waits on the recording's leader. */
  void store(Recorder recorder, RequestOutcome outcome) {
    CachedReply stored = storeIfGood(recorder, outcome);
    CompletableFuture<CachedReply> leading = recorder.leading();
    if (leading != null) {
      inFlight.remove(recorder.plan().key(), leading);
      leading.complete(stored);
    }
  }

  private CachedReply storeIfGood(Recorder recorder, RequestOutcome outcome) {
    CachePlan plan = recorder.plan();
    String refusal = recorder.refusal(outcome, plan.stream(), config().cacheTruncated());
    if (refusal != null) {
      skipped.increment();
      metrics.cacheStore(refusal);
      return null;
    }
    CachedReply entry = recorder.build(outcome, nowMillis(), plan.ttlMillis());
    local.put(plan.key(), entry);
    if (redis != null) {
      redis.set(plan.key(), entry);
    }
    stores.increment();
    metrics.cacheStore("stored");
    return entry;
  }

  // ---- upkeep and admin ----------------------------------------------------------------------------------------

  /** Expiry sweep and pending upkeep; the {@link CacheVerticle} calls it on a timer so idle entries leave too. */
  void maintain() {
    local.cleanUp();
  }

  /** Pings Redis while it is down; completes when that is done (or at once while it is up). */
  Future<Void> checkRedis() {
    return redis == null || redis.up() ? Future.succeededFuture() : redis.ping().otherwiseEmpty();
  }

  RedisTier redis() {
    return redis;
  }

  /** Empties the memory tier and, with Redis, every key under the prefix (and the other instances' memory). */
  public Future<JsonObject> clear() {
    long entries = clearMemory();
    JsonObject out = new JsonObject().put("memory_entries", entries);
    if (redis == null) {
      return Future.succeededFuture(out);
    }
    return redis.clear().map(n -> out.put("redis_keys", n))
        .recover(err -> Future.succeededFuture(out.put("redis_error", "Redis could not be cleared: "
            + err.getMessage())));
  }

  /** Empties the memory tier; the number of entries it held. */
  long clearMemory() {
    long entries = local.estimatedSize();
    local.invalidateAll();
    local.cleanUp();
    return entries;
  }

  Future<Void> close() {
    return redis == null ? Future.succeededFuture() : redis.close();
  }

  long bytes() {
    return local.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
  }

  /** What GET /admin/cache shows. */
  public JsonObject describe() {
    long h = hits.sum();
    long m = misses.sum();
    CacheConfig config = config();
    JsonObject out = new JsonObject()
        .put("mode", config.mode().label())
        .put("backend", config.backend().label())
        .put("shared", config.shared())
        .put("entries", local.estimatedSize())
        .put("bytes", bytes())
        .put("max_bytes", config.maxBytes())
        .put("max_entry_bytes", config.maxEntryBytes())
        .put("ttl_seconds", config.ttl().toSeconds())
        .put("hits", h)
        .put("misses", m)
        .put("bypasses", bypasses.sum())
        .put("hit_rate", h + m == 0 ? 0.0 : Math.round(1000.0 * h / (h + m)) / 1000.0)
        .put("coalesced_hits", coalesced.sum())
        .put("stores", stores.sum())
        .put("not_stored", skipped.sum())
        .put("evictions", evictions.sum())
        .put("in_flight", inFlight.size());
    if (redis != null) {
      out.put("redis", new JsonObject().put("address", redis.where()).put("up", redis.up())
          .put("hits", redisHits.sum()));
    }
    return out;
  }

  // ---- for tests -----------------------------------------------------------------------------------------------

  CachedReply peek(String key) {
    return local.getIfPresent(key);
  }

  void put(String key, CachedReply entry) {
    local.put(key, entry);
  }
}
