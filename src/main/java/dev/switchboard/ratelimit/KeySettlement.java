package dev.switchboard.ratelimit;

import dev.switchboard.api.FinishListener;
import dev.switchboard.api.RequestOutcome;

/**
 * Settles an admitted request's token estimate against the usage its reply reported. A cache hit spent no tokens
 * upstream, and a failed reply none the client got: their estimate goes back to the key's bucket.
 */
public final class KeySettlement implements FinishListener {
  private final RateLimiter limiter;

  public KeySettlement(RateLimiter limiter) {
    this.limiter = limiter;
  }

  @Override
  public void finished(RequestOutcome outcome) {
    if (outcome.admitted()) {
      limiter.settleKey(outcome.clientKey(), outcome.tokenEstimate(), outcome.usage(),
          outcome.status() > 0 && outcome.status() < 400 && !outcome.cacheHit());
    }
  }
}
