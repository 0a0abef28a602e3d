package dev.switchboard.routing;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one request met on its way through its candidates: every try and skip, the last failure, and whether all of
 * them were rate limits. {@link GiveUp} words the client's answer from it when nothing is left to try. Confined to the
 * request's event loop.
 */
final class RunTally {
  final List<String> outcomes = new ArrayList<>(2);
  final Set<String> failedProviders = new HashSet<>(2);
  /** Whether any failure was the provider's fault; if none was (404 everywhere), the client gets that answer. */
  boolean anyProviderFault;
  /** Whether every attempt so far ended in a rate limit or was skipped for one: then the client gets a 429. */
  boolean onlyRateLimited = true;
  /** The shortest wait a rate-limiting provider asked for, in millis; -1 if none said. */
  long rateLimitWaitMillis = -1;
  UpstreamFailure last;
  int attempts;

  /** A candidate passed over without an attempt; {@code rateLimitWaitMillis} ≥ -1 if for a rate limit, else null. */
  void skipped(String providerId, String why, boolean forRateLimit, long rateLimitWaitMillis) {
    if (forRateLimit) {
      rateLimited(rateLimitWaitMillis);
    } else {
      onlyRateLimited = false;
    }
    outcomes.add(providerId + ": skipped (" + why + ")");
  }

  /** An attempt that failed before the client saw anything. */
  void failed(String providerId, UpstreamFailure failure) {
    last = failure;
    anyProviderFault |= failure.kind().providerFault();
    if (failure.kind().rateLimited()) {
      rateLimited(failure.retryAfterMillis());
    } else {
      onlyRateLimited = false;
    }
    failedProviders.add(providerId);
    outcomes.add(providerId + ": " + failure.clientError().message());
  }

  /** Whether one provider alone was tried and every outcome is its own: the client gets that provider's answer. */
  boolean oneProviderOnly() {
    return last != null && failedProviders.size() == 1 && outcomes.size() == attempts;
  }

  private void rateLimited(long waitMillis) {
    if (waitMillis >= 0) {
      rateLimitWaitMillis = rateLimitWaitMillis < 0 ? waitMillis : Math.min(rateLimitWaitMillis, waitMillis);
    }
  }
}
