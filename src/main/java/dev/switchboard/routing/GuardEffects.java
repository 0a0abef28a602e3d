package dev.switchboard.routing;

/**
 * What an attempt's outcome teaches about its provider beyond this request: circuit results, suspension after
 * refused credentials, cooldowns after a spent quota or a long rate-limit wait, and the live outcome events.
 * Thread-safe: the guards it writes are lock-free and shared by every event loop.
 */
final class GuardEffects {
  private final ProviderEvents events;
  private final Backoff backoff;

  GuardEffects(ProviderEvents events, Backoff backoff) {
    this.events = events;
    this.backoff = backoff;
  }

  void succeeded(ProviderGuard guard, long permit) {
    guard.circuit().onSuccess(permit);
    events.attemptSucceeded(guard.provider());
  }

  /** The attempt ended without saying anything about the provider (client gone, not tried after all). */
  void neutral(ProviderGuard guard, long permit) {
    guard.circuit().onNeutral(permit);
  }

  void failed(ProviderGuard guard, UpstreamFailure failure, long permit, long nowNanos) {
    long retryAfter = failure.retryAfterMillis();
    switch (failure.kind()) {
      case AUTH -> guard.suspend("credentials refused (HTTP " + failure.label() + "); fix the api_key, then "
          + "re-enable the provider");
      case QUOTA -> guard.coolDown(retryAfter > 0 ? retryAfter : ProviderGuard.QUOTA_COOLDOWN_MILLIS,
          "quota or credit exhausted", nowNanos);
      case RATE_LIMITED, ASKED_TO_WAIT -> {
        if (!backoff.worthWaiting(retryAfter)) {
          guard.coolDown(retryAfter, "rate limited by the provider", true, nowNanos);
        }
      }
      default -> {
      }
    }
    if (failure.kind().providerFault()) {
      guard.circuit().onFailure(permit, failure.label(), nowNanos);
      events.attemptFailed(guard.provider(), failure.kind(), failure.label());
    } else {
      guard.circuit().onNeutral(permit);
    }
  }

  /**
   * The request leaves a provider that asked for time: the next requests go elsewhere until then instead of meeting
   * the same answer.
   */
  void leaving(ProviderGuard guard, UpstreamFailure failure, long nowNanos) {
    long wait = failure.retryAfterMillis();
    if (wait > 0 && guard.cooldownRemainingMillis(nowNanos) == 0) {
      guard.coolDown(wait, "asked to retry after " + wait + " ms", failure.kind().rateLimited(), nowNanos);
    }
  }
}
