package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import dev.switchboard.config.RateLimitConfig;
import dev.switchboard.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Buckets in Redis, shared by every instance. Check-and-take is one Lua script run atomically by Redis with Redis's
 * own clock, so N instances never admit more than the limit between them, and their clocks need not agree.
 *
 * <p>When Redis does not answer within {@code ratelimit.redis.timeout} (or fails), the limiter falls back: to this
 * instance's local buckets ({@code on_failure: open}) or to refusing ({@code closed}). The fallback is logged once,
 * shown in /ready and metrics, and ends by itself with the next command Redis answers: the pooled client reconnects
 * on demand. Each instance keeps a local mirror of every bucket it used, for the selector's headroom and the admin
 * view, refreshed by every answer.
 */
public final class RedisBuckets implements Buckets {
  private static final Logger LOG = Logger.getLogger(RedisBuckets.class.getName());

  /**
   * KEYS[1]: the bucket hash {r, t, ts}. ARGV: burst_r, rate_r (per ms), burst_t, rate_t, cost_r, cost_t, mode
   * (take | adjust | clamp). Returns {admitted, requests_left, tokens_left, wait_ms}; floats as strings.
   */
  static final String SCRIPT = """
      local burst_r = tonumber(ARGV[1]); local rate_r = tonumber(ARGV[2])
      local burst_t = tonumber(ARGV[3]); local rate_t = tonumber(ARGV[4])
      local cost_r = tonumber(ARGV[5]); local cost_t = tonumber(ARGV[6]); local mode = ARGV[7]
      local now_t = redis.call('TIME')
      local now = tonumber(now_t[1]) * 1000 + tonumber(now_t[2]) / 1000
      local v = redis.call('HMGET', KEYS[1], 'r', 't', 'ts')
      local r = tonumber(v[1]); local t = tonumber(v[2]); local ts = tonumber(v[3])
      if ts == nil then r = burst_r; t = burst_t; ts = now end
      local elapsed = math.max(0, now - ts)
      if rate_r > 0 then r = math.min(burst_r, r + elapsed * rate_r) else r = 0 end
      if rate_t > 0 then t = math.min(burst_t, t + elapsed * rate_t) else t = 0 end
      local admitted = 1; local wait = 0
      if mode == 'take' then
        if rate_r > 0 and r < 1 then admitted = 0; wait = math.max(wait, (1 - r) / rate_r) end
        if rate_t > 0 and t < cost_t and t < burst_t then
          admitted = 0; wait = math.max(wait, (math.min(cost_t, burst_t) - t) / rate_t)
        end
        if admitted == 1 then
          if rate_r > 0 then r = r - 1 end
          if rate_t > 0 then t = t - cost_t end
        end
      elseif mode == 'adjust' then
        if rate_r > 0 then r = math.min(burst_r, r + cost_r) end
        if rate_t > 0 then t = math.min(burst_t, t + cost_t) end
      elseif mode == 'clamp' then
        if cost_r >= 0 and cost_r < r then r = cost_r end
        if cost_t >= 0 and cost_t < t then t = cost_t end
      end
      redis.call('HSET', KEYS[1], 'r', tostring(r), 't', tostring(t), 'ts', tostring(now))
      local full_r = 0; local full_t = 0
      if rate_r > 0 then full_r = burst_r / rate_r end
      if rate_t > 0 then full_t = burst_t / rate_t end
      redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(full_r, full_t)) + 60000)
      return {admitted, tostring(r), tostring(t), math.ceil(wait)}
      """;

  private final RateLimitConfig config;
  private final Redis client;
  private final RedisAPI redis;
  private final LocalBuckets local;
  private final GatewayMetrics metrics;
  private final AtomicBoolean up = new AtomicBoolean(true);
  private volatile String sha;
  private volatile String lastError;

  public RedisBuckets(Vertx vertx, RateLimitConfig config, LocalBuckets local, GatewayMetrics metrics) {
    this.config = config;
    this.local = local;
    this.metrics = metrics;
    this.client = Redis.createClient(vertx, new RedisOptions().setConnectionString(config.redisUrl())
        .setMaxPoolSize(16).setMaxPoolWaiting(4096).setMaxWaitingHandlers(4096));
    this.redis = RedisAPI.api(client);
    metrics.rateLimitBackendUp(() -> up.get() ? 1 : 0);
  }

  /** Loads the script; a Redis that is down now is not fatal (commands fall back until it answers). */
  public Future<Void> start() {
    return redis.script(List.of("LOAD", SCRIPT))
        .onSuccess(r -> sha = r.toString())
        .onFailure(this::down)
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  public Future<Void> close() {
    client.close();
    return Future.succeededFuture();
  }

  @Override
  public boolean healthy() {
    return up.get();
  }

  @Override
  public String describe() {
    return up.get() ? "redis (" + redactedUrl() + ")"
        : "redis unreachable (" + lastError + "), " + (config.failOpen() ? "using local buckets" : "refusing");
  }

  /** scheme://host:port only: user info, password and path never reach a log line or the admin API. */
  private String redactedUrl() {
    try {
      java.net.URI uri = java.net.URI.create(config.redisUrl());
      return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
    } catch (IllegalArgumentException e) {
      return "(redis url)";
    }
  }

  @Override
  public java.util.Map<String, TokenBucket> views() {
    return local.views();
  }

  @Override
  public TokenBucket view(String bucket, Limits limits) {
    return local.view(bucket, limits);
  }

  @Override
  public Future<Take> take(String bucket, Limits limits, long tokens) {
    return eval(bucket, limits, 1, tokens, "take")
        .map(r -> {
          Take take = new Take(r.get(0).toInteger() == 1, Double.parseDouble(r.get(1).toString()),
              Double.parseDouble(r.get(2).toString()), r.get(3).toLong());
          local.view(bucket, limits).set(take.requestsLeft(), take.tokensLeft());
          return take;
        })
        .recover(err -> {
          down(err);
          if (config.failOpen()) {
            return Future.succeededFuture(local.takeNow(bucket, limits, tokens));
          }
          return Future.succeededFuture(new Take(false, 0, 0, 1_000));
        });
  }

  @Override
  public void adjust(String bucket, Limits limits, double requests, double tokens) {
    local.adjust(bucket, limits, requests, tokens);
    eval(bucket, limits, requests, tokens, "adjust").onFailure(this::down);
  }

  @Override
  public void clamp(String bucket, Limits limits, double requests, double tokens) {
    local.clamp(bucket, limits, requests, tokens);
    eval(bucket, limits, requests, tokens, "clamp").onFailure(this::down);
  }

  private Future<Response> eval(String bucket, Limits limits, double costR, double costT, String mode) {
    String key = config.keyPrefix() + "bucket:" + bucket;
    List<String> args = List.of(String.valueOf(limits.burstRequests()), String.valueOf(limits.rpm() / 60_000.0),
        String.valueOf(limits.burstTokens()), String.valueOf(limits.tpm() / 60_000.0), String.valueOf(costR),
        String.valueOf(costT), mode);
    String s = sha;
    Future<Response> call;
    if (s != null) {
      java.util.ArrayList<String> cmd = new java.util.ArrayList<>(args.size() + 3);
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
    return call.timeout(config.redisTimeout().toMillis(), TimeUnit.MILLISECONDS).onSuccess(r -> recovered());
  }

  private Future<Response> evalText(String key, List<String> args) {
    java.util.ArrayList<String> cmd = new java.util.ArrayList<>(args.size() + 3);
    cmd.add(SCRIPT);
    cmd.add("1");
    cmd.add(key);
    cmd.addAll(args);
    if (sha == null) {
      redis.script(List.of("LOAD", SCRIPT)).onSuccess(r -> sha = r.toString());
    }
    return redis.eval(cmd);
  }

  private void down(Throwable err) {
    lastError = err.getMessage() == null ? err.getClass().getSimpleName() : err.getMessage();
    metrics.rateLimitBackendError();
    if (up.compareAndSet(true, false)) {
      LOG.warning("rate limiter: Redis at " + redactedUrl() + " unreachable (" + lastError + "); "
          + (config.failOpen() ? "falling back to this instance's local buckets" : "refusing rate-limited requests")
          + " until it answers again");
    }
  }

  private void recovered() {
    if (up.compareAndSet(false, true)) {
      LOG.info("rate limiter: Redis at " + redactedUrl() + " answers again; buckets are shared again");
    }
  }
}
