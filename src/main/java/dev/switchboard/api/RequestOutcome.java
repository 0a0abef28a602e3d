package dev.switchboard.api;

import java.util.List;

/**
 * How one request ended, built once when its reply finishes and handed to every {@link FinishListener}.
 *
 * @param frontEnd the wire format the client spoke (today the endpoint's label), or null when the request never got
 *     that far (refused by authentication, an unknown route, a models listing)
 * @param request the parsed request, or null when it was refused before parsing
 * @param clientKey the authenticated key's name, or null when authentication refused it
 * @param provider who served the reply ("cache" for a hit), or null
 * @param attempts "provider:status" per upstream attempt, in order
 * @param status the HTTP status sent (499 when the client left before any was)
 * @param error the error sent, in full or in-band, or null
 * @param eventsWritten stream events the client received
 * @param usage tokens spent upstream; empty for a cache hit
 * @param cachedUsage on a cache hit, the tokens the replayed reply saved
 * @param tap what recorded the reply (the cache's recording), or null
 * @param firstTokenNanos when the first token (or whole reply) went out, 0 if none did
 * @param admitted the rate limiter admitted it (its key holds a request slot and the estimate until settled)
 * @param tokenEstimate the admission's token estimate, -1 when there is none
 * @param endUser who the request is for (body {@code user} / {@code metadata.user_id} / header), or null
 * @param trace the request's trace, {@link RequestTrace#NONE} when not traced
 * @param abandoned attempts cancelled while the provider worked on them (hedge losers), whose tokens were spent
 */
public record RequestOutcome(String requestId, String method, String path, String frontEnd, GatewayRequest request,
                             String clientKey, String provider, String upstreamModel, List<String> attempts,
                             int status, ClientReply.Outcome outcome, ApiError error, int eventsWritten, Usage usage,
                             String cacheStatus, boolean cacheHit, Usage cachedUsage, boolean degraded, ReplyTap tap,
                             long startNanos, long firstTokenNanos, long endNanos, boolean admitted,
                             long tokenEstimate, String endUser, RequestTrace trace,
                             List<AbandonedAttempt> abandoned) {

  /** Without abandoned attempts. */
  public RequestOutcome(String requestId, String method, String path, String frontEnd, GatewayRequest request,
                        String clientKey, String provider, String upstreamModel, List<String> attempts,
                        int status, ClientReply.Outcome outcome, ApiError error, int eventsWritten, Usage usage,
                        String cacheStatus, boolean cacheHit, Usage cachedUsage, boolean degraded, ReplyTap tap,
                        long startNanos, long firstTokenNanos, long endNanos, boolean admitted,
                        long tokenEstimate, String endUser, RequestTrace trace) {
    this(requestId, method, path, frontEnd, request, clientKey, provider, upstreamModel, attempts, status, outcome,
        error, eventsWritten, usage, cacheStatus, cacheHit, cachedUsage, degraded, tap, startNanos, firstTokenNanos,
        endNanos, admitted, tokenEstimate, endUser, trace, List.of());
  }

  public RequestOutcome(String requestId, String method, String path, String frontEnd, GatewayRequest request,
                        String clientKey, String provider, String upstreamModel, List<String> attempts,
                        int status, ClientReply.Outcome outcome, ApiError error, int eventsWritten, Usage usage,
                        String cacheStatus, boolean cacheHit, Usage cachedUsage, boolean degraded, ReplyTap tap,
                        long startNanos, long firstTokenNanos, long endNanos, boolean admitted, long tokenEstimate) {
    this(requestId, method, path, frontEnd, request, clientKey, provider, upstreamModel, attempts, status, outcome,
        error, eventsWritten, usage, cacheStatus, cacheHit, cachedUsage, degraded, tap, startNanos, firstTokenNanos,
        endNanos, admitted, tokenEstimate, null, RequestTrace.NONE);
  }

  /** The endpoint's label for metrics, "other" when the request was not parsed. */
  public String endpointLabel() {
    return request == null ? "other" : request.endpoint().label();
  }

  /** The outcome in the lower case the access log, metrics and live events use. */
  public String outcomeLabel() {
    return outcome == null ? null : outcome.label();
  }

  public long durationNanos() {
    return endNanos - startNanos;
  }

  /** Time to the first token, -1 when none went out. */
  public long ttftNanos() {
    return firstTokenNanos > 0 ? firstTokenNanos - startNanos : -1;
  }
}
