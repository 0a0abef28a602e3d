package dev.switchboard.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.switchboard.config.CacheConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.api.Usage;
import dev.switchboard.routing.Route;
import dev.switchboard.api.ApiException;
import dev.switchboard.api.ClientReply;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The response cache, shared by every gateway event loop and safe to call from any of them: the hot path asks it
 * directly ({@link #serve}), no event-bus round trip. The {@link CacheVerticle} owns its upkeep (expiry sweeps,
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
  private final CacheConfig config;
  private final GatewayMetrics metrics;
  private final CachePolicy policy;
  private final Cache<String, CachedReply> local;
  private final RedisTier redis;
  private final Ticker ticker;
  private final long wallBaseMillis;
  private final long tickerBase;
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
  ResponseCache(Vertx vertx, CacheConfig config, GatewayMetrics metrics, Ticker ticker, long wallBaseMillis) {
    this.vertx = vertx;
    this.config = config;
    this.metrics = metrics;
    this.policy = new CachePolicy(config);
    this.ticker = ticker;
    this.tickerBase = ticker.read();
    this.wallBaseMillis = wallBaseMillis;
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
      return TimeUnit.MILLISECONDS.toNanos(Math.max(0, value.remainingMillis(nowMillis())));
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

  public CacheConfig config() {
    return config;
  }

  // ---- the request path ----------------------------------------------------------------------------------------

  /**
   * Answers a request from the cache, or runs {@code upstream} (recording its reply when the request may be stored).
   * Call on the request's event loop once the request is validated and its route resolved.
   */
  public void serve(GatewayRequest request, Route route, MultiMap headers, ClientReply reply, Runnable upstream) {
    CachePlan plan;
    try {
      plan = policy.plan(request, route, headers.get("cache-control"), headers.get(CachePolicy.TTL_HEADER));
    } catch (ApiException e) {
      reply.sendError(e.error(), -1);
      return;
    }
    String endpoint = request.endpoint().label();
    if (plan == null || !plan.read()) {
      if (CachePolicy.cacheable(request.endpoint())) {
        bypasses.increment();
        metrics.cacheRequest(endpoint, "bypass", "none");
      }
      if (plan != null) {
        // no-cache: not looked up, but the fresh reply is stored.
        record(plan, reply, null);
      }
      upstream.run();
      return;
    }
    CachedReply hit = local.getIfPresent(plan.key());
    if (hit != null && hit.stream() == plan.stream()) {
      replay(hit, "memory", plan, reply);
      return;
    }
    if (redis == null || !redis.up()) {
      afterMiss(plan, reply, upstream);
      return;
    }
    redis.get(plan.key()).onComplete(ar -> {
      CachedReply shared = ar.result();
      if (reply.clientClosed() || reply.committed()) {
        // The client left, or the reply was ended meanwhile (shutdown).
        return;
      }
      if (shared != null && shared.stream() == plan.stream()) {
        local.put(plan.key(), shared);
        redisHits.increment();
        replay(shared, "redis", plan, reply);
        return;
      }
      afterMiss(plan, reply, upstream);
    });
  }

  /** Not cached: wait for an identical request in flight, or lead (go upstream and store for the others). */
  private void afterMiss(CachePlan plan, ClientReply reply, Runnable upstream) {
    if (!config.coalesce() || !plan.write()) {
      miss(plan, reply, upstream, null);
      return;
    }
    CompletableFuture<CachedReply> mine = new CompletableFuture<>();
    CompletableFuture<CachedReply> leader = inFlight.putIfAbsent(plan.key(), mine);
    if (leader == null) {
      miss(plan, reply, upstream, mine);
    } else {
      new Waiter(plan, reply, upstream).await(leader);
    }
  }

  private void miss(CachePlan plan, ClientReply reply, Runnable upstream, CompletableFuture<CachedReply> leading) {
    misses.increment();
    metrics.cacheRequest(plan.endpoint(), "miss", "none");
    reply.cacheStatus("MISS");
    record(plan, reply, leading);
    upstream.run();
  }

  /** Records the reply and stores it when it ended well; then releases whoever waits on {@code leading}. */
  private void record(CachePlan plan, ClientReply reply, CompletableFuture<CachedReply> leading) {
    if (!plan.write()) {
      return;
    }
    Recorder recorder = new Recorder(config.maxEntryBytes());
    reply.tap(recorder);
    reply.onFinish(() -> {
      CachedReply stored = store(plan, reply, recorder);
      if (leading != null) {
        inFlight.remove(plan.key(), leading);
        leading.complete(stored);
      }
    });
  }

  private CachedReply store(CachePlan plan, ClientReply reply, Recorder recorder) {
    String refusal = recorder.refusal(reply, plan.stream(), config.cacheTruncated());
    if (refusal != null) {
      skipped.increment();
      metrics.cacheStore(refusal);
      return null;
    }
    CachedReply entry = recorder.build(reply, nowMillis(), plan.ttlMillis());
    local.put(plan.key(), entry);
    if (redis != null) {
      redis.set(plan.key(), entry);
    }
    stores.increment();
    metrics.cacheStore("stored");
    return entry;
  }

  /** One request waiting for an identical one in flight. Runs on its own event loop. */
  private final class Waiter {
    private final CachePlan plan;
    private final ClientReply reply;
    private final Runnable upstream;
    private final Context context = Vertx.currentContext();
    private boolean settled;
    private long timer = -1;

    Waiter(CachePlan plan, ClientReply reply, Runnable upstream) {
      this.plan = plan;
      this.reply = reply;
      this.upstream = upstream;
    }

    void await(CompletableFuture<CachedReply> leader) {
      timer = vertx.setTimer(Math.max(1, config.coalesceWait().toMillis()), id -> {
        timer = -1;
        settle(null, "timeout");
      });
      reply.onCancel(() -> {
        settled = true;
        cancelTimer();
      });
      leader.whenComplete((entry, err) -> context.runOnContext(
          v -> settle(entry, entry == null ? "released" : "served")));
    }

    private void settle(CachedReply entry, String result) {
      if (settled) {
        return;
      }
      settled = true;
      cancelTimer();
      reply.onCancel(null);
      metrics.cacheCoalesced(result);
      if (reply.clientClosed() || reply.committed()) {
        return;
      }
      if (entry != null && entry.stream() == plan.stream()) {
        coalesced.increment();
        replay(entry, "coalesced", plan, reply);
      } else {
        // The first request failed, could not be stored or took too long: this one goes upstream itself.
        miss(plan, reply, upstream, null);
      }
    }

    private void cancelTimer() {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }

  // ---- replay --------------------------------------------------------------------------------------------------

  private void replay(CachedReply entry, String tier, CachePlan plan, ClientReply reply) {
    hits.increment();
    metrics.cacheRequest(plan.endpoint(), "hit", tier);
    Usage saved = entry.usage();
    metrics.cacheSavedTokens("prompt", saved.promptTokens());
    metrics.cacheSavedTokens("completion", saved.completionTokens());
    reply.cacheHit(entry.ageSeconds(nowMillis()), saved);
    reply.servedBy("cache", entry.model(), false);
    if (!entry.stream()) {
      reply.sendJson(entry.status(), entry.contentType(), entry.body());
      return;
    }
    List<Buffer> events = entry.events();
    reply.startStream();
    long pace = config.replayInterval().toMillis();
    if (pace <= 0) {
      events.forEach(reply::writeEvent);
      reply.endStream(null);
    } else {
      paced(events, 0, pace, reply);
    }
  }

  /** Replays events one per {@code pace} ms; stops if the client leaves. */
  private void paced(List<Buffer> events, int next, long pace, ClientReply reply) {
    if (reply.clientClosed()) {
      return;
    }
    if (next == events.size()) {
      reply.endStream(null);
      return;
    }
    reply.writeEvent(events.get(next));
    long timer = vertx.setTimer(pace, id -> paced(events, next + 1, pace, reply));
    reply.onCancel(() -> vertx.cancelTimer(timer));
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

  /** Empties the memory tier and, with Redis, every key under the prefix. */
  public Future<JsonObject> clear() {
    long entries = local.estimatedSize();
    local.invalidateAll();
    local.cleanUp();
    JsonObject out = new JsonObject().put("memory_entries", entries);
    if (redis == null) {
      return Future.succeededFuture(out);
    }
    return redis.clear().map(n -> out.put("redis_keys", n))
        .recover(err -> Future.succeededFuture(out.put("redis_error", "Redis could not be cleared: "
            + err.getMessage())));
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
