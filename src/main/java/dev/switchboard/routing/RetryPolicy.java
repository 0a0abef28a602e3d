package dev.switchboard.routing;

import dev.switchboard.config.RetryConfig;

/**
 * The retry and failover rules, as data in, decision out: no I/O, no clock, no HTTP, so the whole table is tested
 * directly (Armeria's {@code RetryRule}). The failover loop asks it after every failed attempt that the client has
 * not seen yet; the failure's {@link ErrorClass} says what kind of next step is possible, the budgets say whether.
 *
 * <p>Thread-safe (immutable).
 */
public final class RetryPolicy {
  private final RetryConfig retry;
  private final int maxAttempts;
  private final Backoff backoff;
  private final boolean contentPolicyFallback;

  /** @param maxAttempts {@code routing.max_attempts}: upstream tries of one request, over every provider */
  public RetryPolicy(RetryConfig retry, int maxAttempts, Backoff backoff) {
    this(retry, maxAttempts, backoff, false);
  }

  /**
   * @param contentPolicyFallback {@code routing.content_policy_fallback}: a content-policy refusal moves on to the next
   *     candidate instead of ending the request
   */
  public RetryPolicy(RetryConfig retry, int maxAttempts, Backoff backoff, boolean contentPolicyFallback) {
    this.retry = retry;
    this.maxAttempts = maxAttempts;
    this.backoff = backoff;
    this.contentPolicyFallback = contentPolicyFallback;
  }

  public Backoff backoff() {
    return backoff;
  }

  /**
   * One failed attempt, as the policy sees it.
   *
   * @param kind what went wrong
   * @param retryAfterMillis the provider's own wait hint, -1 if it gave none
   * @param retriesHere retries of the current candidate already made for this request
   * @param attempts upstream attempts made for this request so far, this one included
   * @param otherCandidateLeft whether a real (non-local) candidate follows the current one
   * @param largerContextLeft whether a later real candidate has a larger context window than this one
   * @param remainingNanos time left before the request's deadline
   */
  public record Failed(FailureKind kind, long retryAfterMillis, int retriesHere, int attempts,
                       boolean otherCandidateLeft, boolean largerContextLeft, long remainingNanos) {
  }

  public RetryDecision decide(Failed f) {
    return switch (f.kind().errorClass()) {
      // The client's own request was refused: every provider would refuse it, unless another has more context.
      // Providers' content policies differ, so another may answer what this one refused, when the operator allows.
      case FINAL -> f.kind() == FailureKind.CONTEXT_LENGTH && f.largerContextLeft() ? RetryDecision.LARGER
          : f.kind() == FailureKind.CONTENT_POLICY && contentPolicyFallback && f.otherCandidateLeft()
          ? RetryDecision.NEXT : RetryDecision.GIVE_UP;
      // Moving on is the faster retry while another provider is left, unless configured otherwise.
      case RETRY_SAME -> retry.sameProviderFirst() || !f.otherCandidateLeft()
          ? retryIfAllowed(f, backoff.delayMillis(f.retriesHere(), f.retryAfterMillis()))
          : RetryDecision.NEXT;
      // Unreachable or timed out: waiting for it only helps when nothing else is left to try.
      case FAILOVER -> transientFault(f.kind()) && !f.otherCandidateLeft()
          ? retryIfAllowed(f, backoff.delayMillis(f.retriesHere(), -1))
          : RetryDecision.NEXT;
    };
  }

  /** A retry here after {@code delayMillis} if every budget allows it, else the next candidate. */
  private RetryDecision retryIfAllowed(Failed f, long delayMillis) {
    boolean allowed = f.retriesHere() < retry.perProvider()
        && backoff.worthWaiting(delayMillis)
        && f.attempts() < maxAttempts
        && delayMillis * 1_000_000 < f.remainingNanos();
    return allowed ? RetryDecision.retrySame(delayMillis) : RetryDecision.NEXT;
  }

  private static boolean transientFault(FailureKind kind) {
    return kind == FailureKind.CONNECT || kind == FailureKind.TIMEOUT || kind == FailureKind.POOL_BUSY;
  }
}
