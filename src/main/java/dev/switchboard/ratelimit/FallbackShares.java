package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The buckets one instance decides with while the shared store (Redis) is away. Each holds only this instance's
 * share: what the shared bucket had left when Redis last answered (this instance's mirror of it, refilled since) and
 * its refill rate, both divided by the live instances, so the instances together admit no more than the shared bucket
 * would have. A share starts when the fallback first needs it and records what it admitted, which is charged to the
 * shared bucket once Redis answers again (so an outage cannot double a window's limit). Thread-safe: shares are
 * lock-free {@link TokenBucket}s and adders in a concurrent map.
 */
final class FallbackShares {

  /** One bucket's share and what it admitted while Redis was away. */
  record Share(TokenBucket bucket, DoubleAdder requests, DoubleAdder tokens) {
  }

  private final Map<String, Share> shares = new ConcurrentHashMap<>();
  private final LocalBuckets mirror;
  private volatile int instances = 1;

  FallbackShares(LocalBuckets mirror) {
    this.mirror = mirror;
  }

  /** The live instances (this one included) as Redis last counted them; at least 1. */
  void instances(int live) {
    instances = Math.max(1, live);
  }

  int instances() {
    return instances;
  }

  private Share share(String bucket, Limits limits) {
    Share s = shares.get(bucket);
    return s != null ? s : shares.computeIfAbsent(bucket, k -> {
      int n = instances;
      TokenBucket known = mirror.view(bucket, limits);
      TokenBucket b = new TokenBucket(limits, 1.0 / n, mirror.clock());
      b.set(known.availableRequests() / n, known.availableTokens() / n);
      return new Share(b, new DoubleAdder(), new DoubleAdder());
    });
  }

  Buckets.Take take(String bucket, Limits limits, long tokens) {
    Share s = share(bucket, limits);
    long wait = s.bucket().tryTake(tokens);
    if (wait == 0) {
      s.requests().add(1);
      s.tokens().add(tokens);
    }
    return new Buckets.Take(wait == 0, s.bucket().availableRequests(), s.bucket().availableTokens(),
        (wait + 999_999) / 1_000_000);
  }

  void adjust(String bucket, Limits limits, double requests, double tokens) {
    Share s = share(bucket, limits);
    s.bucket().adjust(requests, tokens);
    s.requests().add(-requests);
    s.tokens().add(-tokens);
  }

  void clamp(String bucket, Limits limits, double requests, double tokens) {
    share(bucket, limits).bucket().clamp(requests, tokens);
  }

  /** The share a bucket is decided with now, or null when the fallback has not needed it. */
  TokenBucket view(String bucket) {
    Share s = shares.get(bucket);
    return s == null ? null : s.bucket();
  }

  /** Ends the fallback: every share, to charge what it admitted to the shared bucket. */
  Map<String, Share> end() {
    Map<String, Share> ended = new java.util.HashMap<>();
    for (String bucket : shares.keySet()) {
      Share s = shares.remove(bucket);
      if (s != null) {
        ended.put(bucket, s);
      }
    }
    return ended;
  }
}
