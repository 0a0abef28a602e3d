package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import dev.switchboard.config.RateLimitConfig;
import dev.switchboard.config.RedisUrls;
import dev.switchboard.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Buckets in Redis, shared by every instance. Check-and-take is one Lua script run atomically by Redis with Redis's
 * own clock, so N instances never admit more than the limit between them, and their clocks need not agree.
 *
 * <p>Under load the operations on one bucket are coalesced ({@link BucketBatcher}): one script call applies every
 * take, adjust and clamp that arrived while the previous call was in flight, so a burst of a hundred requests is a
 * handful of round trips, not a hundred, and stays well inside {@code ratelimit.redis.timeout}.
 *
 * <p>A breaker keeps a hung or dead Redis off the request path: the first command that fails or outlives the
 * timeout opens it, and while it is open every decision is made locally at once, without touching Redis. Locally
 * means, with {@code on_failure: open}, this instance's {@link FallbackShares share} of each bucket (what Redis last
 * said was left, divided by the live instances), so instances together still hold the limit; with {@code closed},
 * refusing. Every instance heartbeats Redis every {@code ratelimit.redis.heartbeat} (the {@link RateLimitVerticle}'s
 * timer): that counts the live instances for the shares and, while the breaker is open, is the probe whose first
 * answer closes it; what the shares admitted meanwhile is then charged to the shared buckets. The fallback is logged
 * once and shown in /ready and the metrics. Each instance keeps a local mirror of every bucket it used, for the
 * selector's headroom, the admin view and the shares, refreshed by every answer.
 */
public final class RedisBuckets implements Buckets {
  private static final Logger LOG = Logger.getLogger(RedisBuckets.class.getName());
  /** An instance whose heartbeat is this many intervals old no longer counts as live. */
  static final int HEARTBEATS_TO_EXPIRE = 3;

  /**
   * KEYS[1]: the bucket hash {r, t, ts}. ARGV: burst_r, rate_r (per ms), burst_t, rate_t, then one triple per
   * operation, applied in order: mode (t take, a adjust, c clamp), cost_r, cost_t. Returns a triple per operation:
   * requests_left and tokens_left after it (floats as strings) and, for a take, 0 when admitted or the ms until it
   * would be.
   */
  static final String SCRIPT = """
      local burst_r = tonumber(ARGV[1]); local rate_r = tonumber(ARGV[2])
      local burst_t = tonumber(ARGV[3]); local rate_t = tonumber(ARGV[4])
      local now_t = redis.call('TIME')
      local now = tonumber(now_t[1]) * 1000 + tonumber(now_t[2]) / 1000
      local v = redis.call('HMGET', KEYS[1], 'r', 't', 'ts')
      local r = tonumber(v[1]); local t = tonumber(v[2]); local ts = tonumber(v[3])
      if ts == nil then r = burst_r; t = burst_t; ts = now end
      local elapsed = math.max(0, now - ts)
      if rate_r > 0 then r = math.min(burst_r, r + elapsed * rate_r) else r = 0 end
      if rate_t > 0 then t = math.min(burst_t, t + elapsed * rate_t) else t = 0 end
      local out = {}
      for i = 5, #ARGV, 3 do
        local mode = ARGV[i]; local cost_r = tonumber(ARGV[i + 1]); local cost_t = tonumber(ARGV[i + 2])
        local wait = 0
        if mode == 't' then
          if rate_r > 0 and r < 1 then wait = math.max(wait, (1 - r) / rate_r) end
          if rate_t > 0 and t < cost_t and t < burst_t then
            wait = math.max(wait, (math.min(cost_t, burst_t) - t) / rate_t)
          end
          if wait == 0 then
            if rate_r > 0 then r = r - 1 end
            if rate_t > 0 then t = t - cost_t end
          end
        elseif mode == 'a' then
          if rate_r > 0 then r = math.min(burst_r, r + cost_r) end
          if rate_t > 0 then t = math.min(burst_t, t + cost_t) end
        elseif mode == 'c' then
          if cost_r >= 0 and cost_r < r then r = cost_r end
          if cost_t >= 0 and cost_t < t then t = cost_t end
        end
        out[#out + 1] = tostring(r); out[#out + 1] = tostring(t); out[#out + 1] = math.ceil(wait)
      end
      redis.call('HSET', KEYS[1], 'r', tostring(r), 't', tostring(t), 'ts', tostring(now))
      local full_r = 0; local full_t = 0
      if rate_r > 0 then full_r = burst_r / rate_r end
      if rate_t > 0 then full_t = burst_t / rate_t end
      redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(full_r, full_t)) + 60000)
      return out
      """;

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

  private final Vertx vertx;
  private final RateLimitConfig config;
  private final Redis client;
  private final RedisAPI redis;
  private final LocalBuckets local;
  private final FallbackShares shares;
  private final BucketBatcher batcher;
  private final GatewayMetrics metrics;
  private final String instanceId = UUID.randomUUID().toString();
  /** The breaker: true while Redis is known to be away and the request path must not ask it. */
  private final AtomicBoolean open = new AtomicBoolean();
  private final AtomicBoolean beating = new AtomicBoolean();
  private volatile boolean closed;
  private volatile String sha;
  private volatile String lastError;

  public RedisBuckets(Vertx vertx, RateLimitConfig config, LocalBuckets local, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.config = config;
    this.local = local;
    this.shares = new FallbackShares(local);
    this.metrics = metrics;
    this.batcher = new BucketBatcher(this::apply);
    this.client = Redis.createClient(vertx, new RedisOptions().setConnectionString(config.redisUrl())
        .setMaxPoolSize(16).setMaxPoolWaiting(4096).setMaxWaitingHandlers(4096));
    this.redis = RedisAPI.api(client);
    metrics.rateLimitBackendUp(() -> open.get() ? 0 : 1);
    metrics.rateLimitBreakerOpen(() -> open.get() ? 1 : 0);
    metrics.rateLimitInstances(shares::instances);
  }

  /** Loads the script and says hello; a Redis that is down now is not fatal (decisions are local until it answers). */
  public Future<Void> start() {
    return timed(redis.script(List.of("LOAD", SCRIPT)))
        .onSuccess(r -> sha = r.toString())
        .compose(r -> heartbeat())
        .onFailure(this::trip)
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  /** Leaves the live set, so the others' shares grow at once, and closes the client. */
  public Future<Void> close() {
    closed = true;
    Future<?> leave = open.get() ? Future.succeededFuture()
        : timed(redis.zrem(List.of(instancesKey(), instanceId))).otherwiseEmpty();
    return leave.eventually(() -> {
      client.close();
      return Future.succeededFuture();
    }).mapEmpty();
  }

  @Override
  public boolean healthy() {
    return !open.get();
  }

  @Override
  public String describe() {
    return !open.get() ? "redis (" + RedisUrls.redacted(config.redisUrl()) + ")"
        : "redis unreachable (" + lastError + "), " + (config.failOpen()
            ? "using local buckets: this instance's share (1/" + shares.instances() + ") of each limit" : "refusing");
  }

  @Override
  public Map<String, TokenBucket> views() {
    return local.views();
  }

  @Override
  public TokenBucket view(String bucket, Limits limits) {
    if (open.get()) {
      TokenBucket share = shares.view(bucket);
      if (share != null) {
        return share;
      }
    }
    return local.view(bucket, limits);
  }

  @Override
  public Future<Take> take(String bucket, Limits limits, long tokens) {
    if (open.get()) {
      return Future.succeededFuture(decideLocally(bucket, limits, tokens));
    }
    ContextInternal context = (ContextInternal) vertx.getOrCreateContext();
    Promise<Take> promise = context.promise();
    batcher.submit(bucket, limits, new BucketBatcher.Op(BucketBatcher.Mode.TAKE, 1, tokens, promise), context);
    return promise.future();
  }

  @Override
  public void adjust(String bucket, Limits limits, double requests, double tokens) {
    local.adjust(bucket, limits, requests, tokens);
    submit(bucket, limits, BucketBatcher.Mode.ADJUST, requests, tokens);
  }

  @Override
  public void clamp(String bucket, Limits limits, double requests, double tokens) {
    local.clamp(bucket, limits, requests, tokens);
    submit(bucket, limits, BucketBatcher.Mode.CLAMP, requests, tokens);
  }

  private void submit(String bucket, Limits limits, BucketBatcher.Mode mode, double requests, double tokens) {
    if (open.get()) {
      applyLocally(bucket, limits, new BucketBatcher.Op(mode, requests, tokens, null));
      return;
    }
    batcher.submit(bucket, limits, new BucketBatcher.Op(mode, requests, tokens, null), vertx.getOrCreateContext());
  }

  /** The batcher's store: one script call for a lane's operations, or local decisions while the breaker is open. */
  private Future<List<Take>> apply(String bucket, Limits limits, List<BucketBatcher.Op> ops) {
    if (open.get()) {
      return Future.succeededFuture(applyLocally(bucket, limits, ops));
    }
    // The mirror counts the takes as done while they are in flight: if Redis does not answer, the fallback share
    // starts from what is left after them (Redis may well have applied them), never from before.
    TokenBucket mirror = local.view(bucket, limits);
    for (BucketBatcher.Op op : ops) {
      if (op.mode() == BucketBatcher.Mode.TAKE) {
        mirror.adjust(-1, -op.tokens());
      }
    }
    List<String> args = new ArrayList<>(4 + ops.size() * 3);
    args.add(String.valueOf(limits.burstRequests()));
    args.add(String.valueOf(limits.rpm() / 60_000.0));
    args.add(String.valueOf(limits.burstTokens()));
    args.add(String.valueOf(limits.tpm() / 60_000.0));
    for (BucketBatcher.Op op : ops) {
      args.add(op.mode().wire);
      args.add(String.valueOf(op.requests()));
      args.add(String.valueOf(op.tokens()));
    }
    return eval(config.keyPrefix() + "bucket:" + bucket, args)
        .map(r -> {
          List<Take> takes = new ArrayList<>(ops.size());
          for (int i = 0; i < ops.size(); i++) {
            double requestsLeft = Double.parseDouble(r.get(3 * i).toString());
            double tokensLeft = Double.parseDouble(r.get(3 * i + 1).toString());
            long wait = r.get(3 * i + 2).toLong();
            BucketBatcher.Op op = ops.get(i);
            takes.add(op.mode() == BucketBatcher.Mode.TAKE ? new Take(wait == 0, requestsLeft, tokensLeft, wait) : null);
            if (op.mode() == BucketBatcher.Mode.CHARGE) {
              shares.charged(bucket, -op.requests(), -op.tokens());
            }
            if (i == ops.size() - 1) {
              mirror.set(requestsLeft, tokensLeft);
            }
          }
          return takes;
        })
        .recover(err -> {
          trip(err);
          return Future.succeededFuture(applyLocally(bucket, limits, ops));
        });
  }

  private List<Take> applyLocally(String bucket, Limits limits, List<BucketBatcher.Op> ops) {
    List<Take> takes = new ArrayList<>(ops.size());
    for (BucketBatcher.Op op : ops) {
      takes.add(applyLocally(bucket, limits, op));
    }
    return takes;
  }

  private Take applyLocally(String bucket, Limits limits, BucketBatcher.Op op) {
    switch (op.mode()) {
      case TAKE:
        return decideLocally(bucket, limits, (long) op.tokens());
      case ADJUST:
        shares.adjust(bucket, limits, op.requests(), op.tokens());
        return null;
      case CHARGE:
        shares.notCharged(bucket);
        return null;
      default:
        shares.clamp(bucket, limits, op.requests(), op.tokens());
        return null;
    }
  }

  /** A take while Redis is away: this instance's share of the bucket, or a refusal when configured closed. */
  private Take decideLocally(String bucket, Limits limits, long tokens) {
    metrics.rateLimitFallback();
    return config.failOpen() ? shares.take(bucket, limits, tokens) : new Take(false, 0, 0, 1_000);
  }

  /**
   * One heartbeat: refreshes this instance's entry in the live set and the count the shares divide by; while the
   * breaker is open it is the probe, and its answer closes the breaker. Called on the verticle's timer; never two
   * at once.
   */
  public Future<Void> heartbeat() {
    if (closed || !beating.compareAndSet(false, true)) {
      return Future.succeededFuture();
    }
    metrics.rateLimitRedisCall("heartbeat");
    long ttl = Math.max(1, config.redisHeartbeat().toMillis() * HEARTBEATS_TO_EXPIRE);
    return timed(redis.eval(List.of(HEARTBEAT, "1", instancesKey(), instanceId, Long.toString(ttl))))
        .onComplete(ar -> beating.set(false))
        .onSuccess(r -> {
          shares.instances(r.toInteger());
          recovered();
        })
        .onFailure(this::trip)
        .mapEmpty();
  }

  private String instancesKey() {
    return config.keyPrefix() + "instances";
  }

  private Future<Response> eval(String key, List<String> args) {
    metrics.rateLimitRedisCall("bucket");
    String s = sha;
    Future<Response> call;
    if (s != null) {
      List<String> cmd = new ArrayList<>(args.size() + 3);
      cmd.add(s);
      cmd.add("1");
      cmd.add(key);
      cmd.addAll(args);
      call = redis.evalsha(cmd).recover(err -> {
        // A restarted Redis has forgotten the script.
        if (String.valueOf(err.getMessage()).contains("NOSCRIPT")) {
          sha = null;
          return evalText(key, args);
        }
        return Future.failedFuture(err);
      });
    } else {
      call = evalText(key, args);
    }
    return timed(call);
  }

  private Future<Response> evalText(String key, List<String> args) {
    List<String> cmd = new ArrayList<>(args.size() + 3);
    cmd.add(SCRIPT);
    cmd.add("1");
    cmd.add(key);
    cmd.addAll(args);
    if (sha == null) {
      redis.script(List.of("LOAD", SCRIPT)).onSuccess(r -> sha = r.toString());
    }
    return redis.eval(cmd);
  }

  private <T> Future<T> timed(Future<T> call) {
    return call.timeout(config.redisTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Opens the breaker: from now on the request path decides locally until a heartbeat answers. */
  private void trip(Throwable err) {
    lastError = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
    metrics.rateLimitBackendError();
    if (open.compareAndSet(false, true)) {
      LOG.warning("rate limiter: Redis at " + RedisUrls.redacted(config.redisUrl()) + " unreachable (" + lastError
          + "); "
          + (config.failOpen() ? "deciding with this instance's share (1/" + shares.instances() + ") of each bucket"
          : "refusing rate-limited requests") + " until it answers again");
    }
  }

  /** Closes the breaker and charges what the shares admitted meanwhile to the shared buckets. */
  private void recovered() {
    if (open.compareAndSet(true, false)) {
      LOG.info("rate limiter: Redis at " + RedisUrls.redacted(config.redisUrl())
          + " answers again; buckets are shared again");
      shares.end();
    }
    // Also owed after an earlier recovery whose charge did not get through.
    shares.charges().forEach((bucket, owed) -> batcher.submit(bucket, local.views().get(bucket).limits(),
        new BucketBatcher.Op(BucketBatcher.Mode.CHARGE, -owed[0], -owed[1], null), vertx.getOrCreateContext()));
  }
}
