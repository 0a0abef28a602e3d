package dev.switchboard.routing;

import dev.switchboard.config.RetryConfig;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How long to wait before trying a provider again: its own hint (Retry-After, a rate-limit reset) when it gave one,
 * otherwise a jittered exponential step — half the step fixed, half random, so the retries of many requests spread
 * out instead of arriving together (Armeria's {@code Backoff.exponential(...).withJitter(...)}). Thread-safe and
 * stateless; the jitter source is injected so tests get exact delays.
 */
public final class Backoff {
  /** Largest shift of the base step: beyond it every step is capped anyway. */
  private static final int MAX_DOUBLINGS = 20;

  /** The random part of a delay: a value in {@code [0, bound)}. */
  @FunctionalInterface
  public interface Jitter {
    Jitter RANDOM = bound -> ThreadLocalRandom.current().nextLong(bound);

    long below(long bound);
  }

  private final long baseMillis;
  private final long maxMillis;
  private final long maxRetryAfterMillis;
  private final Jitter jitter;

  public Backoff(RetryConfig retry, Jitter jitter) {
    this.baseMillis = retry.backoffBase().toMillis();
    this.maxMillis = retry.backoffMax().toMillis();
    this.maxRetryAfterMillis = retry.maxRetryAfter().toMillis();
    this.jitter = jitter;
  }

  /**
   * The wait before retry number {@code retriesSoFar + 1} of one provider, in millis: {@code hintMillis} when the
   * provider gave one (≥ 0), else the jittered step {@code min(max, base·2^retriesSoFar)}.
   */
  public long delayMillis(int retriesSoFar, long hintMillis) {
    if (hintMillis >= 0) {
      return hintMillis;
    }
    long step = Math.min(maxMillis, baseMillis << Math.min(MAX_DOUBLINGS, retriesSoFar));
    return step / 2 + jitter.below(step / 2 + 1);
  }

  /** Whether a wait is short enough to spend on the same provider ({@code routing.retry.max_retry_after}). */
  public boolean worthWaiting(long delayMillis) {
    return delayMillis <= maxRetryAfterMillis;
  }

  /** Whether a client told to retry after {@code millis} (≥ 0) would find a provider again soon: a short wait. */
  public boolean shortWait(long millis) {
    return millis >= 0 && millis <= maxRetryAfterMillis;
  }
}
