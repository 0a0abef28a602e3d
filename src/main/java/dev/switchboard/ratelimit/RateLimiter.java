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
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

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

  static String providerBucket(String provider) {
    return "provider:" + provider;
  }

  static String modelBucket(String provider, String model) {
    return "provider:" + provider + ":" + model;
  }

  /** A client key's verdict, with the values of OpenAI's x-ratelimit-* headers. */
  public record Admission(boolean admitted, ApiError error, long retryAfterMillis, MultiMap headers, long estimate) {
  }

  private final RateLimitConfig config;
  private final Buckets buckets;
  private final GatewayMetrics metrics;
  private final TokenEstimator estimator;
  private final java.util.function.Function<String, ClientKeyConfig> keys;
  /** Waiting requests per key; drained by the {@link RateLimitVerticle}. */
  private final Map<String, KeyQueue> queues = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  /** Whether any provider has limits: without, an unlimited key's request needs no token estimate at all. */
  private volatile boolean providerLimits = true;

  /** @param keys a key's config by name (config keys and keys created through the admin API), or null */
  public RateLimiter(RateLimitConfig config, java.util.function.Function<String, ClientKeyConfig> keys,
                     Buckets buckets, GatewayMetrics metrics) {
    this.config = config;
    this.keys = keys;
    this.buckets = buckets;
    this.metrics = metrics;
    this.estimator = new TokenEstimator(config.defaultCompletionTokens());
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
    return k != null && k.limits() != null ? k.limits() : config.defaultKeyLimits();
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
      // Tokenizing costs microseconds per request: only when some provider bucket will need the estimate.
      return Future.succeededFuture(new Admission(true, null, -1, null, providerLimits ? estimate(request) : -1));
    }
    long estimate = estimate(request);
    String bucket = keyBucket(keyName);
    return buckets.take(bucket, limits, estimate).compose(take -> {
      if (take.admitted()) {
        metrics.rateLimit("key", "admitted");
        return Future.succeededFuture(admitted(limits, take, estimate));
      }
      if (!buckets.healthy() && !config.failOpen()) {
        metrics.rateLimit("key", "rejected");
        return Future.succeededFuture(new Admission(false, new ApiError(503, ApiError.SERVER, "Rate limits cannot be "
            + "checked: the shared store (Redis) is unreachable and ratelimit.redis.on_failure is closed.", null,
            "rate_limiter_unavailable"), 1_000, null, estimate));
      }
      long maxWait = config.queueMaxWait().toMillis();
      if (maxWait <= 0 || take.waitMillis() > maxWait) {
        metrics.rateLimit("key", "rejected");
        return Future.succeededFuture(rejected(keyName, limits, take, estimate));
      }
      return enqueue(keyName, bucket, limits, estimate, priority(keyName, priorityHeader), context, take);
    });
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

  private Future<Admission> enqueue(String keyName, String bucket, Limits limits, long estimate, int priority,
                                    Context context, Buckets.Take first) {
    KeyQueue queue = queues.computeIfAbsent(keyName, k -> new KeyQueue(bucket, limits));
    Waiter w = new Waiter(priority, sequence.incrementAndGet(), estimate, context,
        System.nanoTime() + config.queueMaxWait().toNanos(), Promise.promise(), keyName, limits);
    synchronized (queue) {
      if (queue.waiting.size() >= config.queueMaxLength()) {
        metrics.rateLimit("key", "rejected");
        return Future.succeededFuture(rejected(keyName, limits, first, estimate));
      }
      queue.waiting.add(w);
    }
    metrics.rateLimit("key", "queued");
    return w.promise.future();
  }

  private Admission admitted(Limits limits, Buckets.Take take, long estimate) {
    return new Admission(true, null, -1, headers(limits, take), estimate);
  }

  private Admission rejected(String keyName, Limits limits, Buckets.Take take, long estimate) {
    long wait = Math.max(1, take.waitMillis());
    boolean tokens = limits.tpm() > 0 && take.tokensLeft() < estimate;
    String what = tokens ? "tokens per minute (limit " + limits.tpm() + ", this request needs about " + estimate + ")"
        : "requests per minute (limit " + limits.rpm() + ")";
    ApiError error = new ApiError(429, ApiError.RATE_LIMIT, "Rate limit reached for key '" + keyName + "' on " + what
        + ". Please try again in " + formatReset(wait) + ".", null, "rate_limit_exceeded");
    return new Admission(false, error, wait, headers(limits, take), estimate);
  }

  /** OpenAI's x-ratelimit-* headers for a key's buckets after this take. */
  private MultiMap headers(Limits limits, Buckets.Take take) {
    MultiMap h = MultiMap.caseInsensitiveMultiMap();
    if (limits.rpm() > 0) {
      h.set("x-ratelimit-limit-requests", Long.toString(limits.rpm()));
      h.set("x-ratelimit-remaining-requests", Long.toString(Math.max(0, (long) Math.floor(take.requestsLeft()))));
      double missing = limits.burstRequests() - Math.max(0, take.requestsLeft());
      h.set("x-ratelimit-reset-requests", formatReset((long) Math.ceil(missing * 60_000.0 / limits.rpm())));
    }
    if (limits.tpm() > 0) {
      h.set("x-ratelimit-limit-tokens", Long.toString(limits.tpm()));
      h.set("x-ratelimit-remaining-tokens", Long.toString(Math.max(0, (long) Math.floor(take.tokensLeft()))));
      double missing = limits.burstTokens() - Math.max(0, take.tokensLeft());
      h.set("x-ratelimit-reset-tokens", formatReset((long) Math.ceil(missing * 60_000.0 / limits.tpm())));
    }
    return h;
  }

  /** OpenAI's reset format: "1s", "6m0s", "250ms". */
  static String formatReset(long millis) {
    if (millis < 1000) {
      return Math.max(0, millis) + "ms";
    }
    long seconds = (millis + 999) / 1000;
    if (seconds < 60) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 60) {
      return minutes + "m" + (seconds % 60) + "s";
    }
    return (minutes / 60) + "h" + (minutes % 60) + "m" + (seconds % 60) + "s";
  }

  /** A request admitted from the queue that no longer needs its slot (its client left meanwhile). */
  public void releaseKey(String keyName) {
    Limits limits = keyLimits(keyName);
    if (limits.rpm() > 0) {
      buckets.adjust(keyBucket(keyName), limits, 1, 0);
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
      buckets.adjust(keyBucket(keyName), limits, 0, estimate - actual);
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
        if (pl.limited() && buckets.view(providerBucket(p.id()), pl).waitNanos(estimate) > 0) {
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
          wait = buckets.view(providerBucket(p.id()), pl).waitNanos(1) / 1_000_000;
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
        h = Math.min(h, buckets.view(providerBucket(t.provider().id()), pl).headroom());
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
    Future<Buckets.Take> first = pl.limited() ? buckets.take(providerBucket(p.id()), pl, estimate)
        : Future.succeededFuture(new Buckets.Take(true, 0, 0, 0));
    return first.compose(take -> {
      if (!take.admitted()) {
        return Future.succeededFuture(false);
      }
      if (!ml.limited()) {
        return Future.succeededFuture(true);
      }
      return buckets.take(modelBucket(p.id(), t.model()), ml, estimate).map(m -> {
        if (!m.admitted() && pl.limited()) {
          buckets.adjust(providerBucket(p.id()), pl, 1, estimate);
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
      buckets.adjust(providerBucket(p.id()), pl, 0, estimate - actual);
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
      buckets.clamp(providerBucket(p.id()), pl, 0, 0);
      return;
    }
    double requests = number(headers.get("x-ratelimit-remaining-requests"));
    double tokens = number(headers.get("x-ratelimit-remaining-tokens"));
    if (requests >= 0 || tokens >= 0) {
      buckets.clamp(providerBucket(p.id()), pl, requests, tokens);
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

  // ---- queue ----------------------------------------------------------------------------------------------------

  private record Waiter(int priority, long seq, long estimate, Context context, long deadline,
                        Promise<Admission> promise, String keyName, Limits limits) {
  }

  private static final class KeyQueue {
    final String bucket;
    final Limits limits;
    /** Highest priority first, then first come first served. Guarded by the queue's monitor (no I/O inside). */
    final PriorityQueue<Waiter> waiting = new PriorityQueue<>((a, b) -> a.priority != b.priority
        ? Integer.compare(b.priority, a.priority) : Long.compare(a.seq, b.seq));
    boolean busy;

    KeyQueue(String bucket, Limits limits) {
      this.bucket = bucket;
      this.limits = limits;
    }
  }

  /** Whether any request waits; the verticle drains only then. */
  boolean anyQueued() {
    for (KeyQueue q : queues.values()) {
      synchronized (q) {
        if (!q.waiting.isEmpty()) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Admits waiting requests whose bucket has refilled, head of each queue first, and refuses those whose wait ran
   * out. Called from the rate-limit verticle's event loop only; each waiter is completed on its own context.
   */
  void drain() {
    long now = System.nanoTime();
    for (KeyQueue q : queues.values()) {
      Waiter head;
      synchronized (q) {
        expire(q, now);
        if (q.busy || q.waiting.isEmpty()) {
          continue;
        }
        head = q.waiting.peek();
        q.busy = true;
      }
      buckets.take(q.bucket, q.limits, head.estimate).onComplete(ar -> {
        boolean admitted = ar.succeeded() && ar.result().admitted();
        boolean stillWaiting;
        synchronized (q) {
          q.busy = false;
          stillWaiting = q.waiting.remove(head);
        }
        if (admitted && !stillWaiting) {
          // Its wait ran out (it was refused) while this take was in flight: the share goes back.
          buckets.adjust(q.bucket, q.limits, 1, head.estimate);
          return;
        }
        if (!admitted && stillWaiting) {
          synchronized (q) {
            q.waiting.add(head);
          }
          return;
        }
        if (admitted) {
          metrics.rateLimit("key", "admitted");
          Admission a = admitted(q.limits, ar.result(), head.estimate);
          head.context.runOnContext(v -> head.promise.tryComplete(a));
        }
      });
    }
  }

  private void expire(KeyQueue q, long now) {
    q.waiting.removeIf(w -> {
      if (now - w.deadline < 0) {
        return false;
      }
      metrics.rateLimit("key", "rejected");
      TokenBucket view = buckets.view(q.bucket, q.limits);
      Buckets.Take take = new Buckets.Take(false, view.availableRequests(), view.availableTokens(),
          view.waitNanos(w.estimate) / 1_000_000);
      Admission a = rejected(w.keyName, w.limits, take, w.estimate);
      w.context.runOnContext(v -> w.promise.tryComplete(a));
      return true;
    });
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
        KeyQueue q = queues.get(name.substring(4));
        int waiting = 0;
        if (q != null) {
          synchronized (q) {
            waiting = q.waiting.size();
          }
        }
        keyList.add(o.put("key", name.substring(4)).put("queued", waiting));
      } else {
        providers.add(o.put("provider", name.substring("provider:".length())));
      }
    });
    return new JsonObject().put("backend", buckets.describe()).put("shared_store_up", buckets.healthy())
        .put("providers", providers).put("keys", keyList);
  }
}
