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
    return b != null ? b : buckets.computeIfAbsent(bucket, k -> new TokenBucket(limits, clock));
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
