package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import io.vertx.core.Future;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/** Buckets in this process's memory: each instance enforces its limits on its own. Lock-free. */
public final class LocalBuckets implements Buckets {
  private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  public LocalBuckets(LongSupplier nanoClock) {
    this.clock = nanoClock;
  }

  public LocalBuckets() {
    this(System::nanoTime);
  }

  LongSupplier clock() {
    return clock;
  }

  @Override
  public TokenBucket view(String bucket, Limits limits) {
    TokenBucket b = buckets.get(bucket);
    if (b == null) {
      return buckets.computeIfAbsent(bucket, k -> new TokenBucket(limits, clock));
    }
    return b.limits() == limits || b.limits().equals(limits) ? b : relimited(bucket, b, limits);
  }

  /**
   * A reload changed the limits a bucket is asked with: a bucket of the new size replaces it, holding no more than
   * the old one had left, so a lowered limit refuses at once and a raised one does not hand out a fresh burst.
   * Racing callers converge on one replacement (compute on the map's bin).
   */
  private TokenBucket relimited(String bucket, TokenBucket stale, Limits limits) {
    return buckets.compute(bucket, (k, b) -> {
      if (b != null && b != stale && b.limits().equals(limits)) {
        return b;
      }
      TokenBucket next = new TokenBucket(limits, clock);
      TokenBucket from = b == null ? stale : b;
      // A dimension the old limits left open has nothing to carry over: the new bucket starts full there.
      next.clamp(from.limits().rpm() > 0 ? from.availableRequests() : -1,
          from.limits().tpm() > 0 ? from.availableTokens() : -1);
      return next;
    });
  }

  /** The synchronous take the shared store falls back to. */
  Take takeNow(String bucket, Limits limits, long tokens) {
    TokenBucket b = view(bucket, limits);
    long wait = b.tryTake(tokens);
    return new Take(wait == 0, b.availableRequests(), b.availableTokens(), (wait + 999_999) / 1_000_000);
  }

  @Override
  public Future<Take> take(String bucket, Limits limits, long tokens) {
    return Future.succeededFuture(takeNow(bucket, limits, tokens));
  }

  @Override
  public void adjust(String bucket, Limits limits, double requests, double tokens) {
    view(bucket, limits).adjust(requests, tokens);
  }

  @Override
  public void clamp(String bucket, Limits limits, double requests, double tokens) {
    view(bucket, limits).clamp(requests, tokens);
  }

  @Override
  public Map<String, TokenBucket> views() {
    return java.util.Collections.unmodifiableMap(buckets);
  }
}
