package dev.switchboard.routing;

import dev.switchboard.api.ApiError;

/**
 * Words the client's answer when a request cannot be served: before any attempt (no candidate at all), or when every
 * candidate has been tried. Pure: the caller passes what it knows, including the soonest time a candidate may be tried
 * again. Thread-safe (immutable).
 */
final class GiveUp {
  /** Retry-After is never below this, whatever the hints say: clients read it in whole seconds. */
  private static final long MIN_RETRY_AFTER_MILLIS = 1_000;

  /**
   * @param retryAfterMillis the Retry-After to send, -1 for none
   * @param shouldRetry the {@code x-should-retry} to send, null to leave it to the client
   */
  record Answer(ApiError error, long retryAfterMillis, Boolean shouldRetry) {
  }

  private final Backoff backoff;

  GiveUp(Backoff backoff) {
    this.backoff = backoff;
  }

  /** The answer when selection left no candidate, or null when there is one to try. */
  Answer noCandidates(Selection selection, String model) {
    if (!selection.candidates().isEmpty()) {
      return null;
    }
    if (selection.requestRefused() != null) {
      return new Answer(selection.requestRefused(), -1, false);
    }
    if (selection.refused().isEmpty() && selection.unsupported() != null) {
      return new Answer(new ApiError(400, ApiError.INVALID_REQUEST, "No provider of model '" + model
          + "' can serve this request: " + selection.unsupported(), null, "unsupported_by_provider"), -1, null);
    }
    long hint = selection.retryAfterMillis();
    if (selection.onlyRateLimited()) {
      // Configured limits and providers cooling down after their own 429 alike: an SDK backs off and retries a
      // 429, where a 503 would read as an outage.
      return new Answer(new ApiError(429, ApiError.RATE_LIMIT, "Every provider of model '" + model
          + "' is rate limited right now: " + clauses(selection.refused()) + ".", null,
          "provider_rate_limited"), Math.max(MIN_RETRY_AFTER_MILLIS, hint), backoff.shortWait(hint));
    }
    String why = selection.refused().isEmpty() ? "" : ": " + clauses(selection.refused());
    return noProvider(model, why, hint);
  }

  /**
   * Nothing left to try: the one provider's own error; a 429 when every provider tried was rate limiting (an SDK
   * backs off and retries a 429, where a 503 would read as an outage); or a 503 naming every attempt.
   *
   * @param soonestMillis the soonest any candidate may be tried again (its Retry-After, an open circuit or a
   *     cooldown), -1 if unknown
   */
  Answer exhausted(RunTally tally, String model, long soonestMillis) {
    if (tally.onlyRateLimited && !tally.outcomes.isEmpty() && !tally.oneProviderOnly()) {
      long wait = tally.rateLimitWaitMillis >= 0 ? tally.rateLimitWaitMillis : soonestMillis;
      return new Answer(new ApiError(429, ApiError.RATE_LIMIT, "Every provider of model '" + model + "' is rate "
          + "limiting requests (" + tally.attempts + " attempts): " + clauses(tally.outcomes), null,
          "upstream_rate_limited"), Math.max(MIN_RETRY_AFTER_MILLIS, wait), backoff.shortWait(wait));
    }
    UpstreamFailure last = tally.last;
    if (last == null) {
      String why = tally.outcomes.isEmpty() ? "" : ": " + clauses(tally.outcomes);
      return noProvider(model, why, soonestMillis);
    }
    if (tally.oneProviderOnly() || !tally.anyProviderFault) {
      long wait = last.retryAfterMillis();
      return new Answer(last.clientError(), wait,
          last.kind().providerFault() || last.kind().rateLimited() ? backoff.shortWait(wait) : null);
    }
    // The 1 s floor is only what the header says; whether a retry can help depends on a real hint (a provider's
    // Retry-After, an open circuit or a cooldown ending soon). Without one, the gateway's own retries were the
    // client's: an SDK retrying on top would only multiply them.
    return new Answer(new ApiError(503, ApiError.UPSTREAM, "Every provider failed for model '" + model + "' ("
        + tally.attempts + " attempts): " + clauses(tally.outcomes), null, "all_providers_failed"),
        Math.max(MIN_RETRY_AFTER_MILLIS, soonestMillis), backoff.shortWait(soonestMillis));
  }

  /** Reasons as one sentence's clauses: "; " between them, and a reason's own full stop dropped so none reads ".;". */
  static String clauses(java.util.List<String> reasons) {
    StringBuilder b = new StringBuilder();
    for (String r : reasons) {
      if (b.length() > 0) {
        b.append("; ");
      }
      b.append(r, 0, r.endsWith(".") ? r.length() - 1 : r.length());
    }
    return b.toString();
  }

  private Answer noProvider(String model, String why, long hint) {
    return new Answer(new ApiError(503, ApiError.UPSTREAM, "No provider is available for model '" + model + "'"
        + why + ".", "model", "no_provider_available"), Math.max(MIN_RETRY_AFTER_MILLIS, hint),
        backoff.shortWait(hint));
  }
}
