package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The buckets one instance decides with once an outage of the shared store (Redis) has outlasted its leases
 * ({@code lease_ttl}): Redis is then taken to be gone for everyone, and each instance refills at its share of the rate
 * (divided by the live instances), starting empty — what was left in the bucket was reserved in leases or taken by the
 * others — so the instances together admit no more than the shared bucket would have refilled.
 *
 * <p>What a share admits is a debt to the shared bucket, charged to Redis once it answers again (so an outage cannot
 * double a window's limit); until Redis has applied the charge the debt also shrinks the shares of a next outage.
 * Thread-safe: shares are lock-free {@link TokenBucket}s, debts adders, both in concurrent maps.
 */
final class FallbackShares {

  /** What shares admitted on a bucket that Redis has not applied yet; {@code charging} while a charge is in flight. */
  record Debt(DoubleAdder requests, DoubleAdder tokens, AtomicBoolean charging) {
  }

  private final Map<String, TokenBucket> shares = new ConcurrentHashMap<>();
  private final Map<String, Debt> debts = new ConcurrentHashMap<>();
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

  private Debt debt(String bucket) {
    Debt d = debts.get(bucket);
    return d != null ? d : debts.computeIfAbsent(bucket,
        k -> new Debt(new DoubleAdder(), new DoubleAdder(), new AtomicBoolean()));
  }

  private TokenBucket share(String bucket, Limits limits) {
    TokenBucket s = shares.get(bucket);
    return s != null ? s : shares.computeIfAbsent(bucket, k -> {
      int n = instances;
      Debt d = debt(bucket);
      TokenBucket b = new TokenBucket(limits, 1.0 / n, mirror.clock());
      // What earlier shares admitted and Redis has not been told yet is spent already.
      b.set(-d.requests().sum() / n, -d.tokens().sum() / n);
      return b;
    });
  }

  Buckets.Take take(String bucket, Limits limits, long tokens) {
    TokenBucket s = share(bucket, limits);
    long wait = s.tryTake(tokens);
    if (wait == 0) {
      Debt d = debt(bucket);
      d.requests().add(1);
      d.tokens().add(tokens);
    }
    return new Buckets.Take(wait == 0, s.availableRequests(), s.availableTokens(), (wait + 999_999) / 1_000_000);
  }

  void adjust(String bucket, Limits limits, double requests, double tokens) {
    share(bucket, limits).adjust(requests, tokens);
    Debt d = debt(bucket);
    d.requests().add(-requests);
    d.tokens().add(-tokens);
  }

  void clamp(String bucket, Limits limits, double requests, double tokens) {
    share(bucket, limits).clamp(requests, tokens);
  }

  /** The share a bucket is decided with now, or null when the fallback has not needed it. */
  TokenBucket view(String bucket) {
    return shares.get(bucket);
  }

  /** Ends the fallback: shares are forgotten (a next outage starts from Redis's word again); debts stay. */
  void end() {
    shares.clear();
  }

  /**
   * The debts to charge to Redis now, as {requests, tokens} by bucket; each is marked in flight until
   * {@link #charged} or {@link #notCharged} says how it went.
   */
  Map<String, double[]> charges() {
    Map<String, double[]> out = new java.util.HashMap<>();
    debts.forEach((bucket, d) -> {
      double r = d.requests().sum();
      double t = d.tokens().sum();
      if ((r != 0 || t != 0) && d.charging().compareAndSet(false, true)) {
        out.put(bucket, new double[] {r, t});
      }
    });
    return out;
  }

  /** Redis applied a charge: that much is no longer owed. */
  void charged(String bucket, double requests, double tokens) {
    Debt d = debt(bucket);
    d.requests().add(-requests);
    d.tokens().add(-tokens);
    d.charging().set(false);
  }

  /** A charge did not reach Redis: it stays owed, for the next recovery. */
  void notCharged(String bucket) {
    debt(bucket).charging().set(false);
  }
}
