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
import java.util.function.LongSupplier;

/**
 * Buckets in Redis, shared by every instance. Check-and-take is one Lua script run atomically by Redis with Redis's
 * own clock, so N instances never admit more than the limit between them, and their clocks need not agree.
 *
 * <p>Under load the operations on one bucket are coalesced ({@link BucketBatcher}): one script call applies every
 * take, adjust and clamp that arrived while the previous call was in flight, so a burst of a hundred requests is a
 * handful of round trips, not a hundred, and stays well inside {@code ratelimit.redis.timeout}.
 *
 * <p>A breaker ({@link RedisLiveness}) keeps a hung or dead Redis off the request path: the first command that fails or
 * outlives the timeout opens it, and while it is open every decision is made locally at once, without touching Redis.
 * Locally means, with {@code on_failure: open}, from this instance's {@link Lease leases}: while Redis answers, every
 * script call also keeps a small reservation (a {@code lease_fraction} of the burst, divided by the live instances)
 * moved out of the shared bucket for this instance alone, and for the first {@code lease_ttl} of an outage the instance
 * admits only from it. That is what makes the limit hold whichever instance loses Redis: one that merely times out (an
 * overloaded host) while the others still reach Redis spends what they cannot take, so Redis's takes plus the leases
 * never exceed the bucket (see {@link BucketScript#SCRIPT}). A call that timed out may still have run in Redis: its
 * takes are counted as taken there, and the requests are admitted only if the lease pays for them as well (if its
 * answer arrives late after all, what Redis admitted goes back). An outage longer than {@code lease_ttl} (Redis gone
 * for everyone, its leases expired) falls back to this instance's {@link FallbackShares share} of each bucket's refill
 * rate (1/live instances), charged to Redis once it answers. With {@code closed}, refusing. Every instance heartbeats
 * Redis every {@code ratelimit.redis.heartbeat} (the {@link RateLimitVerticle}'s timer): that counts the live instances
 * for the leases and shares and, while the breaker is open, is the probe whose first answer closes it. The fallback is
 * logged once and shown in /ready and the metrics. Each instance keeps a local mirror of every bucket it used, for the
 * selector's headroom and the admin view, refreshed by every answer.
 */
public final class RedisBuckets implements Buckets {
  private final Vertx vertx;
  private final RateLimitConfig config;
  private final Redis client;
  private final RedisAPI redis;
  private final LocalBuckets local;
  private final FallbackShares shares;
  private final BucketBatcher batcher;
  private final BucketScript script;
  private final RedisLiveness liveness;
  private final GatewayMetrics metrics;
  private final String instanceId = UUID.randomUUID().toString();
  /** This instance's lease in each bucket it used. */
  private final Map<String, Lease> leases = new ConcurrentHashMap<>();
  /** Takes Redis admitted in calls that timed out, by bucket {requests, tokens}: owed back to it (see giveBack). */
  private final Map<String, double[]> lateTakes = new ConcurrentHashMap<>();
  private final LongSupplier clock;
  private final long leaseValidNanos;
  private volatile boolean closed;

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
    this.script = new BucketScript(config, metrics);
    this.liveness = new RedisLiveness(config, metrics, redis, shares, instanceId, clock, this::recovered);
  }

  private RedisOptions options() {
    return new RedisOptions().setConnectionString(config.redisUrl()).setMaxPoolSize(16).setMaxPoolWaiting(4096)
        .setMaxWaitingHandlers(4096);
  }

  /** Loads the script and says hello; a Redis that is down now is not fatal (decisions are local until it answers). */
  public Future<Void> start() {
    return liveness.timed(redis.script(List.of("LOAD", BucketScript.SCRIPT)))
        .onSuccess(script::loaded)
        .compose(r -> heartbeat())
        .onFailure(liveness::trip)
        .<Void>mapEmpty()
        .otherwiseEmpty();
  }

  /**
   * Gives every lease back and leaves the live set, so the others have it all at once. (An instance that dies
   * instead leaves its leases to expire.) Called from the verticle's stop, on its context.
   */
  public Future<Void> close() {
    closed = true;
    if (liveness.open()) {
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
        .compose(v -> liveness.leave(api).otherwiseEmpty())
        .eventually(() -> {
          goodbye.close();
          client.close();
          return Future.succeededFuture();
        }).mapEmpty();
  }

  @Override
  public boolean healthy() {
    return !liveness.open();
  }

  @Override
  public String describe() {
    return !liveness.open() ? "redis (" + RedisUrls.redacted(config.redisUrl()) + ")"
        : "redis unreachable (" + liveness.lastError() + "), " + (config.failOpen()
            ? "using local buckets: this instance's leases reserved in Redis for the first " + config.leaseTtl().toSeconds()
            + "s, then its share (1/" + shares.instances() + ") of each limit's rate" : "refusing");
  }

  @Override
  public Map<String, TokenBucket> views() {
    return local.views();
  }

  @Override
  public TokenBucket view(String bucket, Limits limits) {
    if (liveness.open()) {
      TokenBucket share = shares.view(bucket);
      if (share != null) {
        return share;
      }
    }
    return local.view(bucket, limits);
  }

  @Override
  public Future<Take> take(String bucket, Limits limits, long tokens) {
    if (liveness.open()) {
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
    if (liveness.open()) {
      applyLocally(bucket, limits, new BucketBatcher.Op(mode, requests, tokens, null));
      return;
    }
    batcher.submit(bucket, limits, new BucketBatcher.Op(mode, requests, tokens, null), vertx.getOrCreateContext());
  }

  /** The batcher's store: one script call for a lane's operations, or local decisions while the breaker is open. */
  private Future<List<Take>> apply(String bucket, Limits limits, List<BucketBatcher.Op> ops) {
    if (liveness.open()) {
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
            Take outcome = BucketScript.outcome(r, i);
            BucketBatcher.Op op = ops.get(i);
            takes.add(op.mode() == BucketBatcher.Mode.TAKE ? outcome : null);
            if (op.mode() == BucketBatcher.Mode.CHARGE) {
              shares.charged(bucket, -op.requests(), -op.tokens());
            }
            if (i == ops.size() - 1) {
              mirror.set(outcome.requestsLeft(), outcome.tokensLeft());
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
          liveness.trip(err);
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
    double fraction = config.failOpen() && !closed ? config.leaseFraction() : 0;
    List<String> args = script.arguments(limits, instanceId, fraction, shares.instances(), report, ops);
    Future<Response> answer = script.eval(api, bucket, args);
    return liveness.timed(answer).onSuccess(r -> BucketScript.teach(lease, report, r, ops.size()))
        .onFailure(err -> answer.onSuccess(late -> giveBack(bucket, limits, ops, late)));
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
      if (op.mode() == BucketBatcher.Mode.TAKE && BucketScript.admitted(late, i)) {
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
    if (!liveness.open()) {
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
    if (now - liveness.openedAtNanos() < config.leaseTtl().toNanos()) {
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
   * One heartbeat ({@link RedisLiveness#heartbeat}): counts the live instances and, while the breaker is open, probes
   * Redis. Called on the verticle's timer; never two at once, none once closed.
   */
  public Future<Void> heartbeat() {
    return closed ? Future.succeededFuture() : liveness.heartbeat();
  }

  /**
   * Redis answered a heartbeat. When that closed the breaker: tells Redis what the leases admitted meanwhile and gives
   * back the late takes; either way charges what the shares admitted to the shared buckets.
   */
  private void recovered(boolean breakerClosed) {
    if (breakerClosed) {
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
