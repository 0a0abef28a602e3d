package dev.switchboard.ratelimit;

import dev.switchboard.config.Limits;
import io.vertx.core.Future;

/**
 * Where token buckets live: in this process, or in Redis shared by every instance. Buckets are named
 * ("provider:openai", "key:team-a") and created on first use with the given limits.
 */
public interface Buckets {

  /** The outcome of a take: whether it was admitted, what is left, and how long until it would be. */
  record Take(boolean admitted, double requestsLeft, double tokensLeft, long waitMillis) {
  }

  /** Takes one request and {@code tokens} tokens, both or neither, in one atomic step. */
  Future<Take> take(String bucket, Limits limits, long tokens);

  /** Gives back (positive) or takes more (negative); fire and forget. */
  void adjust(String bucket, Limits limits, double requests, double tokens);

  /** Lowers what is left to what the provider reported (negative leaves a dimension alone); fire and forget. */
  void clamp(String bucket, Limits limits, double requests, double tokens);

  /** This instance's current view of a bucket, without I/O: for the selector's headroom and the admin view. */
  TokenBucket view(String bucket, Limits limits);

  /** Every bucket this instance has used, by name (its local view). */
  java.util.Map<String, TokenBucket> views();

  /** Whether the shared store answers; always true in memory. */
  default boolean healthy() {
    return true;
  }

  default String describe() {
    return "memory";
  }
}
