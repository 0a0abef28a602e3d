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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
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
 * means, with {@code on_failure: open}, from this instance's {@link Lease leases}: while Redis answers, every script
 * call also keeps a small reservation (a {@code lease_fraction} of the burst, divided by the live instances) moved
 * out of the shared bucket for this instance alone, and for the first {@code lease_ttl} of an outage the instance
 * admits only from it. That is what makes the limit hold whichever instance loses Redis: one that merely times out
 * (an overloaded host) while the others still reach Redis spends what they cannot take, so Redis's takes plus the
 * leases never exceed the bucket (see {@link #SCRIPT}). A call that timed out may still have run in Redis: its takes
 * are counted as taken there, and the requests are admitted only if the lease pays for them as well (if its answer
 * arrives late after all, what Redis admitted goes back). An outage longer
 * than {@code lease_ttl} (Redis gone for everyone, its leases expired) falls back to this instance's
 * {@link FallbackShares share} of each bucket's refill rate (1/live instances), charged to Redis once it answers. With
 * {@code closed}, refusing. Every instance heartbeats Redis every {@code ratelimit.redis.heartbeat} (the
 * {@link RateLimitVerticle}'s timer): that counts the live instances for the leases and shares and, while the breaker
 * is open, is the probe whose first answer closes it. The fallback is logged once and shown in /ready and the
 * metrics. Each instance keeps a local mirror of every bucket it used, for the selector's headroom and the admin
 * view, refreshed by every answer.
 */
public final class RedisBuckets implements Buckets {
  private static final Logger LOG = Logger.getLogger(RedisBuckets.class.getName());
  /** An instance whose heartbeat is this many intervals old no longer counts as live. */
  static final int HEARTBEATS_TO_EXPIRE = 3;

  /**
   * KEYS[1]: the bucket hash: the shared pool {r, t, ts} and, per instance id, its lease {lr:id, lt:id, lx:id (expiry,
   * Redis ms)} and the running totals it reported {ur:id, ut:id (spent from the lease), br:id, bt:id (given back)}.
   * ARGV: burst_r, rate_r (per ms), burst_t, rate_t, instance id, lease ttl (ms), lease cap_r, cap_t (the most this
   * instance may hold), floor_r, floor_t (leases grow only while the pool keeps this much), spent_r, spent_t,
   * returned_r, returned_t (running totals); then one triple per operation, applied in order: mode (t take, a adjust,
   * c clamp, n none), cost_r, cost_t. Returns a triple per operation (requests_left and tokens_left of the pool after
   * it, floats as strings, and for a take 0 when admitted or the ms until it would be), then this instance's lease
   * {lease_r, lease_t} and what it should give back {advise_r, advise_t}.
   *
   * <p>Why the instances together never admit more than the bucket: the pool is capped at burst minus every live
   * lease, so pool + leases never exceed the burst (plus refill, which only ever fills the pool up to that cap); a
   * take comes out of the pool, a lease grows only out of the pool, and a holder admits only out of its lease. An
   * expired lease is dropped, never returned to the pool — its holder may have spent it while cut off from Redis —
   * and only refill restores that capacity. Spent and given-back totals apply once (by difference to the last total
   * seen), so a retried or late call cannot apply them twice.
   */
  static final String SCRIPT = """
      local burst_r = tonumber(ARGV[1]); local rate_r = tonumber(ARGV[2])
      local burst_t = tonumber(ARGV[3]); local rate_t = tonumber(ARGV[4])
      local function str(x) return string.format('%.17g', x) end
      local me = ARGV[5]; local ttl = tonumber(ARGV[6])
      local cap_r = tonumber(ARGV[7]); local cap_t = tonumber(ARGV[8])
      local floor_r = tonumber(ARGV[9]); local floor_t = tonumber(ARGV[10])
      if rate_r <= 0 then cap_r = 0 end
      if rate_t <= 0 then cap_t = 0 end
      local now_t = redis.call('TIME')
      local now = tonumber(now_t[1]) * 1000 + tonumber(now_t[2]) / 1000
      local h = redis.call('HGETALL', KEYS[1])
      local f = {}
      for i = 1, #h, 2 do f[h[i]] = h[i + 1] end
      local r = tonumber(f['r']); local t = tonumber(f['t']); local ts = tonumber(f['ts'])
      if ts == nil then r = burst_r; t = burst_t; ts = now end
      local sum_r = 0; local sum_t = 0
      for k, v in pairs(f) do
        if string.sub(k, 1, 3) == 'lx:' then
          local who = string.sub(k, 4); local x = tonumber(v)
          if x <= now then
            if f['lr:' .. who] then redis.call('HDEL', KEYS[1], 'lr:' .. who, 'lt:' .. who) end
            if x + 10 * ttl <= now then
              redis.call('HDEL', KEYS[1], k, 'ur:' .. who, 'ut:' .. who, 'br:' .. who, 'bt:' .. who)
            end
          else
            sum_r = sum_r + (tonumber(f['lr:' .. who]) or 0); sum_t = sum_t + (tonumber(f['lt:' .. who]) or 0)
          end
        end
      end
      local lr = 0; local lt = 0
      local x_me = tonumber(f['lx:' .. me])
      if x_me ~= nil and x_me > now then lr = tonumber(f['lr:' .. me]) or 0; lt = tonumber(f['lt:' .. me]) or 0 end
      local elapsed = math.max(0, now - ts)
      if rate_r > 0 then r = math.min(burst_r - sum_r, r + elapsed * rate_r) else r = 0 end
      if rate_t > 0 then t = math.min(burst_t - sum_t, t + elapsed * rate_t) else t = 0 end
      local function total(field, reported)
        local seen = tonumber(f[field]) or 0
        if reported > seen then return reported - seen, reported end
        return 0, seen
      end
      local d; local ur; local ut; local br; local bt
      d, ur = total('ur:' .. me, tonumber(ARGV[11])); d = math.min(d, lr); lr = lr - d; sum_r = sum_r - d
      d, ut = total('ut:' .. me, tonumber(ARGV[12])); d = math.min(d, lt); lt = lt - d; sum_t = sum_t - d
      d, br = total('br:' .. me, tonumber(ARGV[13])); d = math.min(d, lr); lr = lr - d; sum_r = sum_r - d; r = r + d
      d, bt = total('bt:' .. me, tonumber(ARGV[14])); d = math.min(d, lt); lt = lt - d; sum_t = sum_t - d; t = t + d
      local out = {}
      for i = 15, #ARGV, 3 do
        local mode = ARGV[i]; local cost_r = tonumber(ARGV[i + 1]); local cost_t = tonumber(ARGV[i + 2])
        local wait = 0
        if mode == 't' then
          if rate_r > 0 and r < 1 then wait = math.max(wait, (1 - r) / rate_r) end
          if rate_t > 0 and t < cost_t and t < burst_t - sum_t then
            wait = math.max(wait, (math.min(cost_t, burst_t - sum_t) - t) / rate_t)
          end
          if wait == 0 then
            if rate_r > 0 then r = r - 1 end
            if rate_t > 0 then t = t - cost_t end
          end
        elseif mode == 'a' then
          if rate_r > 0 then r = math.min(burst_r - sum_r, r + cost_r) end
          if rate_t > 0 then t = math.min(burst_t - sum_t, t + cost_t) end
        elseif mode == 'c' then
          if cost_r >= 0 and cost_r < r then r = cost_r end
          if cost_t >= 0 and cost_t < t then t = cost_t end
        end
        out[#out + 1] = str(r); out[#out + 1] = str(t); out[#out + 1] = math.ceil(wait)
      end
      local adv_r = 0; local adv_t = 0
      if lr < cap_r and r > floor_r then
        local g = math.min(cap_r - lr, r - floor_r); r = r - g; lr = lr + g
      elseif lr > 0 and r < floor_r / 2 then adv_r = lr
      elseif lr > cap_r then adv_r = lr - cap_r end
      if lt < cap_t and t > floor_t then
        local g = math.min(cap_t - lt, t - floor_t); t = t - g; lt = lt + g
      elseif lt > 0 and t < floor_t / 2 then adv_t = lt
      elseif lt > cap_t then adv_t = lt - cap_t end
      -- Rounding leaves crumbs (5 - 10/3 - 5/3): a crumb of lease is dropped, a crumb of advice not sent.
      if lr < 1e-6 then lr = 0 end
      if lt < 1e-6 then lt = 0 end
      if adv_r < 1e-6 then adv_r = 0 end
      if adv_t < 1e-6 then adv_t = 0 end
      redis.call('HSET', KEYS[1], 'r', str(r), 't', str(t), 'ts', str(now),
        'lr:' .. me, str(lr), 'lt:' .. me, str(lt), 'lx:' .. me, str(now + ttl),
        'ur:' .. me, str(ur), 'ut:' .. me, str(ut), 'br:' .. me, str(br), 'bt:' .. me, str(bt))
      local full_r = 0; local full_t = 0
      if rate_r > 0 then full_r = burst_r / rate_r end
      if rate_t > 0 then full_t = burst_t / rate_t end
      redis.call('PEXPIRE', KEYS[1], math.ceil(math.max(full_r, full_t, 10 * ttl)) + 60000)
      out[#out + 1] = str(lr); out[#out + 1] = str(lt)
      out[#out + 1] = str(adv_r); out[#out + 1] = str(adv_t)
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
  /** This instance's lease in each bucket it used. */
  private final Map<String, Lease> leases = new ConcurrentHashMap<>();
  /** Takes Redis admitted in calls that timed out, by bucket {requests, tokens}: owed back to it (see giveBack). */
  private final Map<String, double[]> lateTakes = new ConcurrentHashMap<>();
  private final LongSupplier clock;
  private final long leaseValidNanos;
  /** When the breaker last opened (clock nanos): the first lease_ttl of an outage is decided from leases alone. */
  private volatile long openedAtNanos;
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
    this.clock = local.clock();
    // Redis renews a lease when it runs a call, always after this instance sent it; the 1% is for the two clocks'
    // rates, which may differ a little (NTP slews by up to 0.05%).
    long ttl = config.leaseTtl().toNanos();
    this.leaseValidNanos = ttl - ttl / 100;
    this.client = Redis.createClient(vertx, options());
    this.redis = RedisAPI.api(client);
    metrics.rateLimitBackendUp(() -> open.get() ? 0 : 1);
    metrics.rateLimitBreakerOpen(() -> open.get() ? 1 : 0);
    metrics.rateLimitInstances(shares::instances);
  }

  private RedisOptions options() {
    return new RedisOptions().setConnectionString(config.redisUrl()).setMaxPoolSize(16).setMaxPoolWaiting(4096)
        .setMaxWaitingHandlers(4096);
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

  /**
   * Gives every lease back and leaves the live set, so the others have it all at once. (An instance that dies
   * instead leaves its leases to expire.) Called from the verticle's stop, on its context.
   */
  public Future<Void> close() {
    closed = true;
    if (open.get()) {
      client.close();
      return Future.succeededFuture();
    }
    // Vert.x closes the clients created outside a verticle before it stops the verticles, so the main client may be
    // gone already: the goodbye goes through a client of this verticle's own, closed when it is done.
    Redis goodbye = Redis.createClient(vertx, options());
    RedisAPI api = RedisAPI.api(goodbye);
    List<Future<?>> released = new ArrayList<>();
    leases.forEach((bucket, lease) -> {
      TokenBucket mirror = local.views().get(bucket);
      if (mirror != null && lease.state().known()) {
        released.add(call(api, bucket, mirror.limits(), lease, lease.release(clock.getAsLong()), List.of())
            .otherwiseEmpty());
      }
    });
    return Future.join(released).otherwiseEmpty()
        .compose(v -> timed(api.zrem(List.of(instancesKey(), instanceId))).otherwiseEmpty())
        .eventually(() -> {
          goodbye.close();
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
            ? "using local buckets: this instance's leases reserved in Redis for the first " + config.leaseTtl().toSeconds()
            + "s, then its share (1/" + shares.instances() + ") of each limit's rate" : "refusing");
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
    // The mirror counts the takes as done while they are in flight (Redis may well apply them even if it does not
    // answer in time), so the selector's headroom never looks fuller than it may be.
    TokenBucket mirror = local.view(bucket, limits);
    for (BucketBatcher.Op op : ops) {
      if (op.mode() == BucketBatcher.Mode.TAKE) {
        mirror.adjust(-1, -op.tokens());
      }
    }
    Lease lease = lease(bucket);
    return call(redis, bucket, limits, lease, lease.send(clock.getAsLong()), ops)
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
        .onSuccess(takes -> {
          if (lease.state().adviseRequests() > 0 || lease.state().adviseTokens() > 0) {
            // The pool runs low: the lease goes back with the next call, sent now rather than with the next take.
            batcher.submit(bucket, limits, new BucketBatcher.Op(BucketBatcher.Mode.SYNC, 0, 0, null),
                vertx.getOrCreateContext());
          }
        })
        .recover(err -> {
          trip(err);
          return Future.succeededFuture(applyLocally(bucket, limits, ops));
        });
  }

  private Lease lease(String bucket) {
    Lease l = leases.get(bucket);
    return l != null ? l : leases.computeIfAbsent(bucket, k -> new Lease(leaseValidNanos));
  }

  /**
   * One script call: the lease's report, then the operations. The answer (one triple per operation) has already
   * taught the lease what Redis holds for it; a failed call teaches it nothing.
   */
  private Future<Response> call(RedisAPI api, String bucket, Limits limits, Lease lease, Lease.Report report,
                                List<BucketBatcher.Op> ops) {
    int n = shares.instances();
    double fraction = config.failOpen() && !closed ? config.leaseFraction() : 0;
    List<String> args = new ArrayList<>(14 + ops.size() * 3);
    args.add(String.valueOf(limits.burstRequests()));
    args.add(String.valueOf(limits.rpm() / 60_000.0));
    args.add(String.valueOf(limits.burstTokens()));
    args.add(String.valueOf(limits.tpm() / 60_000.0));
    args.add(instanceId);
    args.add(String.valueOf(Math.max(1, config.leaseTtl().toMillis())));
    args.add(String.valueOf(fraction * limits.burstRequests() / n));
    args.add(String.valueOf(fraction * limits.burstTokens() / n));
    args.add(String.valueOf(config.leaseFraction() * limits.burstRequests()));
    args.add(String.valueOf(config.leaseFraction() * limits.burstTokens()));
    args.add(String.valueOf(report.spentRequests()));
    args.add(String.valueOf(report.spentTokens()));
    args.add(String.valueOf(report.returnedRequests()));
    args.add(String.valueOf(report.returnedTokens()));
    for (BucketBatcher.Op op : ops) {
      args.add(op.mode().wire);
      args.add(String.valueOf(op.requests()));
      args.add(String.valueOf(op.tokens()));
    }
    Future<Response> answer = eval(api, config.keyPrefix() + "bucket:" + bucket, args);
    return timed(answer).onSuccess(r -> {
      int at = 3 * ops.size();
      lease.answered(report, number(r.get(at)), number(r.get(at + 1)), number(r.get(at + 2)), number(r.get(at + 3)));
    }).onFailure(err -> answer.onSuccess(late -> giveBack(bucket, limits, ops, late)));
  }

  /**
   * A call that timed out ran after all: the takes Redis admitted were decided here instead (paid by the lease, or
   * refused), so Redis's share of them goes back to the bucket — at once if the breaker has closed, else on recovery.
   * A late answer teaches the lease nothing: a later call may have been answered already.
   */
  private void giveBack(String bucket, Limits limits, List<BucketBatcher.Op> ops, Response late) {
    double requests = 0;
    double tokens = 0;
    for (int i = 0; i < ops.size(); i++) {
      BucketBatcher.Op op = ops.get(i);
      if (op.mode() == BucketBatcher.Mode.TAKE && late.get(3 * i + 2).toLong() == 0) {
        requests += 1;
        tokens += op.tokens();
      }
    }
    if (requests == 0 || closed) {
      return;
    }
    double[] owed = lateTakes.computeIfAbsent(bucket, k -> new double[2]);
    synchronized (owed) {
      owed[0] += requests;
      owed[1] += tokens;
    }
    if (!open.get()) {
      returnLateTakes();
    }
  }

  /** Sends what {@link #giveBack} owes the buckets. */
  private void returnLateTakes() {
    lateTakes.forEach((bucket, owed) -> {
      double requests;
      double tokens;
      synchronized (owed) {
        requests = owed[0];
        tokens = owed[1];
        owed[0] = 0;
        owed[1] = 0;
      }
      TokenBucket mirror = local.views().get(bucket);
      if (requests > 0 && mirror != null) {
        batcher.submit(bucket, mirror.limits(), new BucketBatcher.Op(BucketBatcher.Mode.ADJUST, requests, tokens, null),
            vertx.getOrCreateContext());
      }
    });
  }

  private static double number(Response r) {
    return Double.parseDouble(r.toString());
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
      case SYNC:
        // Nothing to decide: what the lease spent goes to Redis with the next call.
        return null;
      default:
        shares.clamp(bucket, limits, op.requests(), op.tokens());
        return null;
    }
  }

  /**
   * A take while Redis is away: for the first lease_ttl of the outage from this instance's lease only (never more:
   * the others may still be taking the rest from Redis), then from its share of the refill rate; a refusal when
   * configured closed.
   */
  private Take decideLocally(String bucket, Limits limits, long tokens) {
    metrics.rateLimitFallback();
    if (!config.failOpen()) {
      return new Take(false, 0, 0, 1_000);
    }
    long now = clock.getAsLong();
    if (now - openedAtNanos < config.leaseTtl().toNanos()) {
      Lease lease = leases.get(bucket);
      boolean admitted = lease != null && lease.take(limits, tokens, now);
      double r = lease == null ? 0 : lease.state().requests();
      double t = lease == null ? 0 : lease.state().tokens();
      // Refused: more may come when Redis answers again, which the heartbeat checks this often.
      return new Take(admitted, r, t, admitted ? 0 : Math.max(1, config.redisHeartbeat().toMillis()));
    }
    return shares.take(bucket, limits, tokens);
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

  private Future<Response> eval(RedisAPI api, String key, List<String> args) {
    metrics.rateLimitRedisCall("bucket");
    String s = sha;
    Future<Response> call;
    if (s != null) {
      List<String> cmd = new ArrayList<>(args.size() + 3);
      cmd.add(s);
      cmd.add("1");
      cmd.add(key);
      cmd.addAll(args);
      call = api.evalsha(cmd).recover(err -> {
        // A restarted Redis has forgotten the script.
        if (String.valueOf(err.getMessage()).contains("NOSCRIPT")) {
          sha = null;
          return evalText(api, key, args);
        }
        return Future.failedFuture(err);
      });
    } else {
      call = evalText(api, key, args);
    }
    return call;
  }

  private Future<Response> evalText(RedisAPI api, String key, List<String> args) {
    List<String> cmd = new ArrayList<>(args.size() + 3);
    cmd.add(SCRIPT);
    cmd.add("1");
    cmd.add(key);
    cmd.addAll(args);
    if (sha == null) {
      api.script(List.of("LOAD", SCRIPT)).onSuccess(r -> sha = r.toString());
    }
    return api.eval(cmd);
  }

  private <T> Future<T> timed(Future<T> call) {
    return call.timeout(config.redisTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Opens the breaker: from now on the request path decides locally until a heartbeat answers. */
  private void trip(Throwable err) {
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

  /**
   * Closes the breaker, tells Redis what the leases admitted meanwhile and charges what the shares admitted to the
   * shared buckets.
   */
  private void recovered() {
    if (open.compareAndSet(true, false)) {
      LOG.info("rate limiter: Redis at " + RedisUrls.redacted(config.redisUrl())
          + " answers again; buckets are shared again");
      shares.end();
      returnLateTakes();
      leases.forEach((bucket, lease) -> {
        TokenBucket mirror = local.views().get(bucket);
        if (mirror != null && lease.state().known()) {
          batcher.submit(bucket, mirror.limits(), new BucketBatcher.Op(BucketBatcher.Mode.SYNC, 0, 0, null),
              vertx.getOrCreateContext());
        }
      });
    }
    // Also owed after an earlier recovery whose charge did not get through.
    shares.charges().forEach((bucket, owed) -> batcher.submit(bucket, local.views().get(bucket).limits(),
        new BucketBatcher.Op(BucketBatcher.Mode.CHARGE, -owed[0], -owed[1], null), vertx.getOrCreateContext()));
  }
}
