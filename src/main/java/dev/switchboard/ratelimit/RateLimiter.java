package dev.switchboard.ratelimit;

import dev.switchboard.config.AuthConfig;
import dev.switchboard.config.ClientKeyConfig;
import dev.switchboard.config.Limits;
import dev.switchboard.config.RateLimitConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.Provider;
import dev.switchboard.api.Usage;
import dev.switchboard.routing.CandidateGate;
import dev.switchboard.routing.Headroom;
import dev.switchboard.routing.Target;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.HeaderBlock;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;


/**
 * The hot path's rate limiter: a thread-safe service every gateway event loop calls directly (no event-bus round
 * trip). Client keys have request and token buckets; over the limit a request is refused with OpenAI's 429 and
 * headers, or waits in a bounded per-key queue. Providers (and provider+model pairs) have buckets too: a provider
 * without headroom for a request is skipped by the selector, so traffic flows elsewhere before the upstream ever
 * answers 429, and the provider's own {@code x-ratelimit-*} headers and 429s correct the bucket.
 */
public final class RateLimiter implements dev.switchboard.routing.ProviderQuota {
  /** Bucket names; also the admin view's keys. */
  static String keyBucket(String keyName) {
    return "key:" + keyName;
  }

  /**
   * A key's bucket name, made once per key rather than joined (and hashed) per request. Bounded by the key names
   * that were admitted (every one an existing key); a removed key's name stays, a few bytes.
   */
  private final java.util.Map<String, String> keyBuckets = new java.util.concurrent.ConcurrentHashMap<>();

  private String bucketOf(String keyName) {
    String bucket = keyBuckets.get(keyName);
    return bucket != null ? bucket : keyBuckets.computeIfAbsent(keyName, RateLimiter::keyBucket);
  }

  /** A provider's bucket name, made once per provider id (ids come from the config). */
  private final java.util.Map<String, String> providerBuckets = new java.util.concurrent.ConcurrentHashMap<>();

  private String providerBucketOf(String providerId) {
    String bucket = providerBuckets.get(providerId);
    return bucket != null ? bucket : providerBuckets.computeIfAbsent(providerId, RateLimiter::providerBucket);
  }

  static String providerBucket(String provider) {
    return "provider:" + provider;
  }

  static String modelBucket(String provider, String model) {
    return "provider:" + provider + ":" + model;
  }

  /** A client key's verdict, with the values of OpenAI's x-ratelimit-* headers. */
  public record Admission(boolean admitted, ApiError error, long retryAfterMillis, HeaderBlock headers, long estimate) {
    static Admission admitted(Limits limits, Buckets.Take take, long estimate) {
      return new Admission(true, null, -1, RateLimitHeaders.of(limits, take), estimate);
    }

    /** OpenAI's 429 for a key over its limit, naming the dimension that ran out. */
    static Admission rejected(String keyName, Limits limits, Buckets.Take take, long estimate) {
      long wait = Math.max(1, take.waitMillis());
      boolean tokens = limits.tpm() > 0 && take.tokensLeft() < estimate;
      String what = tokens ? "tokens per minute (limit " + limits.tpm() + ", this request needs about " + estimate
          + ")" : "requests per minute (limit " + limits.rpm() + ")";
      ApiError error = new ApiError(429, ApiError.RATE_LIMIT, "Rate limit reached for key '" + keyName + "' on "
          + what + ". Please try again in " + RateLimitHeaders.formatReset(wait) + ".", null, "rate_limit_exceeded");
      return new Admission(false, error, wait, RateLimitHeaders.of(limits, take), estimate);
    }
  }

  /**
   * The running generation's section, for what a reload may change: the default key limits, {@code fail_open} and
   * {@code queue_max_wait}. The backend, token estimate and queue length stay as started.
   */
  private final java.util.function.Supplier<RateLimitConfig> live;
  private final Buckets buckets;
  private final GatewayMetrics metrics;
  private final TokenEstimator estimator;
  private final java.util.function.Function<String, ClientKeyConfig> keys;
  /** Waiting requests per key; drained by the {@link RateLimitVerticle}. */
  private final KeyQueues queues;
  /** Whether any provider has limits: without, an unlimited key's request needs no token estimate at all. */
  private volatile boolean providerLimits = true;

  /** @param keys a key's config by name (config keys and keys created through the admin API), or null */
  public RateLimiter(RateLimitConfig config, java.util.function.Function<String, ClientKeyConfig> keys,
                     Buckets buckets, GatewayMetrics metrics) {
    this(() -> config, keys, buckets, metrics);
  }

  /** @param live the running generation's ratelimit section (see {@link dev.switchboard.config.LiveConfig}) */
  public RateLimiter(java.util.function.Supplier<RateLimitConfig> live,
                     java.util.function.Function<String, ClientKeyConfig> keys, Buckets buckets,
                     GatewayMetrics metrics) {
    RateLimitConfig config = live.get();
    this.live = live;
    this.keys = keys;
    this.buckets = buckets;
    this.metrics = metrics;
    this.estimator = new TokenEstimator(config.defaultCompletionTokens());
    this.queues = new KeyQueues(config, buckets, metrics);
  }

  /** For callers with config keys only (tools, tests). */
  public RateLimiter(RateLimitConfig config, AuthConfig auth, Buckets buckets, GatewayMetrics metrics) {
    this(config, name -> auth.keys().stream().filter(k -> k.name().equals(name)).findFirst().orElse(null), buckets,
        metrics);
  }

  /** Tells the limiter whether any provider has rate limits (set once at start-up). */
  public void providerLimits(boolean any) {
    this.providerLimits = any;
  }

  public TokenEstimator estimator() {
    return estimator;
  }

  public Buckets buckets() {
    return buckets;
  }

  public long estimate(GatewayRequest request) {
    return estimator.estimate(request);
  }

  private Limits keyLimits(String keyName) {
    ClientKeyConfig k = keys.apply(keyName);
    return k != null && k.limits() != null ? k.limits() : live.get().defaultKeyLimits();
  }

  /**
   * Admits a client key's request against its buckets, waiting in its queue when configured.
   *
   * @param priorityHeader {@code x-switchboard-priority}, or null
   */
  public Future<Admission> admit(GatewayRequest request, String priorityHeader, Context context) {
    String keyName = request.clientKey();
    Limits limits = keyLimits(keyName);
    if (!limits.limited()) {
      // Only estimate when some provider bucket will need the estimate.
      return Future.succeededFuture(new Admission(true, null, -1, null, providerLimits ? estimate(request) : -1));
    }
    // A key limited by requests alone takes no tokens: no estimate unless a provider bucket needs one.
    long estimate = limits.tpm() > 0 || providerLimits ? estimate(request) : 0;
    String bucket = bucketOf(keyName);
    Future<Buckets.Take> taken = buckets.take(bucket, limits, estimate);
    if (taken.succeeded()) {
      // The local buckets answer at once: decide now rather than through a composed future (failing the same way
      // compose would when the decision throws).
      try {
        return decide(taken.result(), keyName, bucket, limits, estimate, priorityHeader, context);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    return taken.compose(take -> decide(take, keyName, bucket, limits, estimate, priorityHeader, context));
  }

  private Future<Admission> decide(Buckets.Take take, String keyName, String bucket, Limits limits, long estimate,
                                   String priorityHeader, Context context) {
    if (take.admitted()) {
      metrics.rateLimit("key", "admitted");
      return Future.succeededFuture(Admission.admitted(limits, take, estimate));
    }
    if (!buckets.healthy() && !live.get().failOpen()) {
      metrics.rateLimit("key", "rejected");
      return Future.succeededFuture(new Admission(false, new ApiError(503, ApiError.SERVER, "Rate limits cannot be "
          + "checked: the shared store (Redis) is unreachable and ratelimit.redis.on_failure is closed.", null,
          "rate_limiter_unavailable"), 1_000, null, estimate));
    }
    long maxWait = live.get().queueMaxWait().toMillis();
    if (maxWait <= 0 || take.waitMillis() > maxWait) {
      metrics.rateLimit("key", "rejected");
      return Future.succeededFuture(Admission.rejected(keyName, limits, take, estimate));
    }
    return queues.enqueue(keyName, bucket, limits, estimate, priority(keyName, priorityHeader), context, take);
  }

  private int priority(String keyName, String header) {
    ClientKeyConfig k = keys.apply(keyName);
    int base = k == null ? 0 : k.priority();
    int max = k == null ? 0 : k.maxPriority();
    if (header == null || header.isBlank()) {
      return base;
    }
    try {
      return Math.min(max, Integer.parseInt(header.trim()));
    } catch (NumberFormatException e) {
      return base;
    }
  }

  /** A request admitted from the queue that no longer needs its slot (its client left meanwhile). */
  public void releaseKey(String keyName) {
    Limits limits = keyLimits(keyName);
    if (limits.rpm() > 0) {
      buckets.adjust(bucketOf(keyName), limits, 1, 0);
    }
  }

  /** The reply's real usage settles the key's token estimate. */
  public void settleKey(String keyName, long estimate, Usage usage, boolean answered) {
    Limits limits = keyLimits(keyName);
    if (limits.tpm() == 0 || estimate < 0) {
      return;
    }
    long actual = answered && usage != null && !usage.isEmpty() ? usage.totalTokens() : answered ? estimate : 0;
    if (actual != estimate) {
      buckets.adjust(bucketOf(keyName), limits, 0, estimate - actual);
    }
  }

  // ---- providers ------------------------------------------------------------------------------------------------

  private static Limits modelLimits(Target t) {
    return t.provider().config().modelLimits().getOrDefault(t.model(), Limits.NONE);
  }

  /** Selector gate: a provider whose bucket cannot fit this request now is skipped, not tried and failed. */
  public CandidateGate gate() {
    return new CandidateGate() {
      @Override
      public String refuse(Target target, GatewayRequest request, long nowNanos) {
        long estimate = Math.max(0, request.tokenEstimate());
        Provider p = target.provider();
        Limits pl = p.config().limits();
        if (pl.limited() && buckets.view(providerBucketOf(p.id()), pl).waitNanos(estimate) > 0) {
          metrics.rateLimit("provider", "skipped");
          return "at its rate limit (" + describe(pl) + ")";
        }
        Limits ml = modelLimits(target);
        if (ml.limited() && buckets.view(modelBucket(p.id(), target.model()), ml).waitNanos(estimate) > 0) {
          metrics.rateLimit("provider", "skipped");
          return "at its rate limit for " + target.model() + " (" + describe(ml) + ")";
        }
        return null;
      }

      @Override
      public boolean rateLimit() {
        return true;
      }

      @Override
      public long retryAfterMillis(Target target, long nowNanos) {
        Provider p = target.provider();
        long wait = 0;
        Limits pl = p.config().limits();
        if (pl.limited()) {
          wait = buckets.view(providerBucketOf(p.id()), pl).waitNanos(1) / 1_000_000;
        }
        return Math.max(wait, 1);
      }
    };
  }

  private static String describe(Limits l) {
    return (l.rpm() > 0 ? l.rpm() + " rpm" : "") + (l.rpm() > 0 && l.tpm() > 0 ? ", " : "")
        + (l.tpm() > 0 ? l.tpm() + " tpm" : "");
  }

  /** The score's headroom part: the fuller of a target's buckets is what is left. */
  public Headroom headroom() {
    return t -> {
      double h = 1;
      Limits pl = t.provider().config().limits();
      if (pl.limited()) {
        h = Math.min(h, buckets.view(providerBucketOf(t.provider().id()), pl).headroom());
      }
      Limits ml = modelLimits(t);
      if (ml.limited()) {
        h = Math.min(h, buckets.view(modelBucket(t.provider().id(), t.model()), ml).headroom());
      }
      return h;
    };
  }

  /**
   * Takes the provider's (and provider+model's) share for an attempt. False when another request took the headroom
   * since selection: the chain then skips the target.
   */
  @Override
  public Future<Boolean> acquire(Target t, long estimate) {
    Provider p = t.provider();
    Limits pl = p.config().limits();
    Limits ml = modelLimits(t);
    if (!pl.limited() && !ml.limited()) {
      return Future.succeededFuture(true);
    }
    Future<Buckets.Take> first = pl.limited() ? buckets.take(providerBucketOf(p.id()), pl, estimate)
        : Future.succeededFuture(new Buckets.Take(true, 0, 0, 0));
    if (!ml.limited() && first.succeeded()) {
      // The provider's bucket alone, answered at once (local buckets): no composition needed.
      boolean ok = first.result().admitted();
      metrics.rateLimit("provider", ok ? "admitted" : "skipped");
      return Future.succeededFuture(ok);
    }
    return first.compose(take -> {
      if (!take.admitted()) {
        return Future.succeededFuture(false);
      }
      if (!ml.limited()) {
        return Future.succeededFuture(true);
      }
      return buckets.take(modelBucket(p.id(), t.model()), ml, estimate).map(m -> {
        if (!m.admitted() && pl.limited()) {
          buckets.adjust(providerBucketOf(p.id()), pl, 1, estimate);
        }
        return m.admitted();
      });
    }).onSuccess(ok -> metrics.rateLimit("provider", ok ? "admitted" : "skipped"));
  }

  /** The attempt is over: its real usage settles the estimate (a failed attempt gives its tokens back). */
  @Override
  public void settle(Target t, long estimate, Usage usage, boolean answered) {
    long actual = answered && usage != null && !usage.isEmpty() ? usage.totalTokens() : answered ? estimate : 0;
    if (actual == estimate) {
      return;
    }
    Provider p = t.provider();
    Limits pl = p.config().limits();
    if (pl.tpm() > 0) {
      buckets.adjust(providerBucketOf(p.id()), pl, 0, estimate - actual);
    }
    Limits ml = modelLimits(t);
    if (ml.tpm() > 0) {
      buckets.adjust(modelBucket(p.id(), t.model()), ml, 0, estimate - actual);
    }
  }

  /**
   * What the provider said about its own limits: {@code x-ratelimit-remaining-*} lowers the bucket to what is left
   * (predictive: a provider nearly exhausted gets less traffic); a 429 empties it.
   */
  @Override
  public void observe(Target t, int status, MultiMap headers) {
    Provider p = t.provider();
    Limits pl = p.config().limits();
    if (!pl.limited() || headers == null) {
      return;
    }
    if (status == 429) {
      buckets.clamp(providerBucketOf(p.id()), pl, 0, 0);
      return;
    }
    double requests = number(headers.get("x-ratelimit-remaining-requests"));
    double tokens = number(headers.get("x-ratelimit-remaining-tokens"));
    if (requests >= 0 || tokens >= 0) {
      buckets.clamp(providerBucketOf(p.id()), pl, requests, tokens);
    }
  }

  private static double number(String s) {
    if (s == null) {
      return -1;
    }
    try {
      return Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Whether any request waits; the verticle drains only then. */
  boolean anyQueued() {
    return queues.anyQueued();
  }

  /** Admits the waiting requests whose bucket has refilled and refuses those whose wait ran out. */
  void drain() {
    queues.drain();
  }

  /** Every bucket this instance knows, for {@code GET /admin/quotas}. */
  public JsonObject describe() {
    JsonArray providers = new JsonArray();
    JsonArray keyList = new JsonArray();
    new java.util.TreeMap<>(buckets.views()).forEach((name, b) -> {
      Limits l = b.limits();
      JsonObject o = new JsonObject().put("bucket", name)
          .put("requests", l.rpm() == 0 ? null : new JsonObject().put("limit_per_minute", l.rpm())
              .put("capacity", l.burstRequests()).put("available", Math.floor(b.availableRequests() * 100) / 100)
              .put("refill_per_second", l.rpm() / 60.0))
          .put("tokens", l.tpm() == 0 ? null : new JsonObject().put("limit_per_minute", l.tpm())
              .put("capacity", l.burstTokens()).put("available", Math.floor(b.availableTokens()))
              .put("refill_per_second", l.tpm() / 60.0))
          .put("headroom", Math.round(b.headroom() * 1000) / 1000.0)
          .put("full_in_ms", b.nanosUntilFull() / 1_000_000);
      if (name.startsWith("key:")) {
        keyList.add(o.put("key", name.substring(4)).put("queued", queues.waiting(name.substring(4))));
      } else {
        providers.add(o.put("provider", name.substring("provider:".length())));
      }
    });
    return new JsonObject().put("backend", buckets.describe()).put("shared_store_up", buckets.healthy())
        .put("providers", providers).put("keys", keyList);
  }
}
