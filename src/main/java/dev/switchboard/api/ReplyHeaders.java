package dev.switchboard.api;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.List;
import java.util.Set;

/** The headers a {@link ClientReply} sends with its status: the Switchboard ones and an error's retry hints. */
final class ReplyHeaders {
  /** Server-side failures that a client retry cannot fix: a configuration problem on the gateway's side. */
  private static final Set<String> NOT_RETRYABLE = Set.of("upstream_auth_failed", "upstream_quota_exhausted",
      "upstream_response_too_large");

  // Names as pre-encoded ASCII (hash cached, bytes copied as they are when the head is written): every reply sets
  // several of them, and a String name is hashed, checked and encoded char by char each time.
  private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
  private static final CharSequence PROVIDER = HttpHeaders.createOptimized("x-switchboard-provider");
  private static final CharSequence ATTEMPTS = HttpHeaders.createOptimized("x-switchboard-attempts");
  private static final CharSequence ROUTE = HttpHeaders.createOptimized("x-switchboard-route");
  private static final CharSequence CACHE = HttpHeaders.createOptimized("x-switchboard-cache");
  private static final CharSequence AGE = HttpHeaders.createOptimized("age");
  private static final CharSequence DEGRADED = HttpHeaders.createOptimized("x-switchboard-degraded");
  private static final CharSequence TRUE = HttpHeaders.createOptimized("true");

  private ReplyHeaders() {
  }

  /** x-request-id, x-switchboard-* and age, from the request's bookkeeping so far. */
  static void write(MultiMap headers, ReplyRecorder books, int status, HeaderBlock extraHeaders) {
    headers.set(REQUEST_ID, books.requestId());
    String provider = books.provider();
    // Only a reply someone served names who: on a failure the attempts header tells the chain, and naming the
    // last provider tried would read as if it had answered.
    if (provider != null && status >= 200 && status < 300) {
      headers.set(PROVIDER, provider);
    }
    List<String> attempts = books.attempts();
    if (attempts.size() == 1) {
      headers.set(ATTEMPTS, attempts.get(0));
    } else if (!attempts.isEmpty()) {
      headers.set(ATTEMPTS, String.join(",", attempts));
    }
    if (books.route() != null) {
      headers.set(ROUTE, books.route());
    }
    if (extraHeaders != null) {
      extraHeaders.addTo(headers);
    }
    headers.set(CACHE, books.cacheStatus());
    if (books.cacheAgeSeconds() >= 0) {
      headers.set(AGE, Long.toString(books.cacheAgeSeconds()));
    }
    if (books.degraded()) {
      headers.set(DEGRADED, TRUE);
    }
  }

  /**
   * retry-after (and retry-after-ms under a minute) and x-should-retry.
   *
   * @param shouldRetry the value of {@code x-should-retry}, or null to decide by the error code alone
   */
  static void retryHints(MultiMap headers, ApiError error, long retryAfterMillis, Boolean shouldRetry) {
    if (retryAfterMillis >= 0) {
      headers.set("retry-after", Long.toString(Math.max(1, (retryAfterMillis + 999) / 1000)));
      if (retryAfterMillis < 60_000) {
        headers.set("retry-after-ms", Long.toString(Math.max(1, retryAfterMillis)));
      }
    }
    if (error.code() != null && NOT_RETRYABLE.contains(error.code())) {
      // The OpenAI SDKs retry 5xx by default; this header stops them where a retry cannot help.
      headers.set("x-should-retry", "false");
    } else if (shouldRetry != null) {
      headers.set("x-should-retry", shouldRetry.toString());
    }
  }
}
