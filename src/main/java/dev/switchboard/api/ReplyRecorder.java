package dev.switchboard.api;

import java.util.ArrayList;
import java.util.List;

/**
 * The bookkeeping of one request while it runs (attempts, who served it, usage, cache status, first token...), which
 * the {@link ClientReply} writer keeps beside its framing and turns into the one {@link RequestOutcome} when the reply
 * finishes. Used only from the request's event loop, so it needs no synchronisation.
 */
public final class ReplyRecorder {
  private final String requestId;
  private final String method;
  private final String path;
  private final long startNanos;
  private final List<String> attempts = new ArrayList<>(2);
  private String frontEnd;
  private String clientKey;
  private GatewayRequest request;
  private String provider;
  private String upstreamModel;
  private String route;
  private boolean degraded;
  private int eventsWritten;
  int status;
  private ClientReply.Outcome outcome;
  ApiError error;
  private Usage usage = Usage.NONE;
  private String cacheStatus = "BYPASS";
  private long cacheAgeSeconds = -1;
  private Usage cachedUsage = Usage.NONE;
  private ReplyTap tap;
  private long firstTokenNanos;
  private long endNanos;
  private boolean admitted;
  private long tokenEstimate = -1;
  private io.vertx.core.MultiMap clientHeaders;
  private RequestTrace trace = RequestTrace.NONE;
  private String endUser;
  private dev.switchboard.config.ModelPrice price;
  /** Hedge losers and the like; null until one (most requests have none). */
  private List<AbandonedAttempt> abandoned;

  /** @param method and @param path of the HTTP request, for the access log (may be null outside the front door) */
  public ReplyRecorder(String requestId, String method, String path, long startNanos) {
    this.requestId = requestId;
    this.method = method;
    this.path = path;
    this.startNanos = startNanos;
  }

  public String requestId() {
    return requestId;
  }

  /** The HTTP method and path, for the access log and the trace (may be null outside the front door). */
  public String method() {
    return method;
  }

  public String path() {
    return path;
  }

  public long startNanos() {
    return startNanos;
  }

  /** The front end the client spoke to, or null until a stage names it. */
  public String frontEnd() {
    return frontEnd;
  }

  public void frontEnd(String label) {
    this.frontEnd = label;
  }

  public void clientKey(String name) {
    this.clientKey = name;
  }

  public String clientKey() {
    return clientKey;
  }

  public void request(GatewayRequest request) {
    this.request = request;
  }

  public GatewayRequest request() {
    return request;
  }

  /** The rate limiter admitted the request with this token estimate (-1 for none). */
  public void admitted(long tokenEstimate) {
    this.admitted = true;
    this.tokenEstimate = tokenEstimate;
  }

  void attempt(String providerId, String result) {
    attempts.add(attemptText(providerId, result));
  }

  /**
   * The texts of attempts seen so far, by provider and result, so each request reuses one ("openai:200") rather than
   * joining it, and later lookups by it (metrics) find its hash already computed. Bounded: provider ids come from
   * the config and results are HTTP statuses or a few labels.
   */
  private static final java.util.concurrent.ConcurrentHashMap<String,
      java.util.concurrent.ConcurrentHashMap<String, String>> ATTEMPT_TEXTS =
      new java.util.concurrent.ConcurrentHashMap<>();

  static String attemptText(String providerId, String result) {
    java.util.concurrent.ConcurrentHashMap<String, String> byResult = ATTEMPT_TEXTS.get(providerId);
    if (byResult == null) {
      byResult = ATTEMPT_TEXTS.computeIfAbsent(providerId, p -> new java.util.concurrent.ConcurrentHashMap<>());
    }
    String text = byResult.get(result);
    return text != null ? text : byResult.computeIfAbsent(result, r -> providerId + ":" + r);
  }

  void amendLastAttempt(String providerId, String result) {
    // The provider's own last entry: with hedged attempts another provider's may have come after it.
    String prefix = providerId + ":";
    for (int i = attempts.size() - 1; i >= 0; i--) {
      if (attempts.get(i).startsWith(prefix)) {
        attempts.set(i, attemptText(providerId, result));
        return;
      }
    }
    attempt(providerId, result);
  }

  List<String> attempts() {
    return attempts;
  }

  void route(String route) {
    this.route = route;
  }

  String route() {
    return route;
  }

  void servedBy(String providerId, String model, boolean degraded) {
    this.provider = providerId;
    this.upstreamModel = model;
    this.degraded = degraded;
  }

  String provider() {
    return provider;
  }

  String upstreamModel() {
    return upstreamModel;
  }

  boolean degraded() {
    return degraded;
  }

  /** The headers the client sent (for the upstream's forwarded ones), or null outside the front door. */
  public io.vertx.core.MultiMap clientHeaders() {
    return clientHeaders;
  }

  public void clientHeaders(io.vertx.core.MultiMap headers) {
    this.clientHeaders = headers;
  }

  /** This request's trace; {@link RequestTrace#NONE} unless tracing is on and sampled it. */
  public RequestTrace trace() {
    return trace;
  }

  public void trace(RequestTrace trace) {
    this.trace = trace;
  }

  /** Who the request is for (the body's {@code user} or {@code metadata.user_id}, or a header), or null. */
  public String endUser() {
    return endUser;
  }

  public void endUser(String endUser) {
    this.endUser = endUser;
  }

  /** The serving model's price, set when an attempt answers; null when unpriced. */
  public void price(dev.switchboard.config.ModelPrice price) {
    this.price = price;
  }

  /**
   * The reply's cost as the ledger books it, as a header value: the provider-reported usage at the serving model's
   * price ("0" for a cache hit, the local fallback or an unpriced model); null when nothing was reported to price.
   */
  public String costText() {
    if ("HIT".equals(cacheStatus) || degraded || (price == null && !usage.isEmpty())) {
      return "0";
    }
    if (usage.isEmpty()) {
      return null;
    }
    return CostText.of(usage.cost(price));
  }

  /**
   * The cost for a stream's closing comment: only a priced model's reported usage has one, so an unpriced stream, a
   * cache replay and the local fallback end exactly as they did before (and a replay as its original); or null.
   */
  public String streamCostText() {
    return price == null || degraded || usage.isEmpty() ? null : CostText.of(usage.cost(price));
  }

  void usage(Usage usage) {
    if (usage != null && !usage.isEmpty()) {
      this.usage = usage;
    }
  }

  Usage usage() {
    return usage;
  }

  void cacheStatus(String status) {
    this.cacheStatus = status;
  }

  String cacheStatus() {
    return cacheStatus;
  }

  void cacheHit(long ageSeconds, Usage saved) {
    this.cacheStatus = "HIT";
    this.cacheAgeSeconds = Math.max(0, ageSeconds);
    this.cachedUsage = saved == null ? Usage.NONE : saved;
  }

  long cacheAgeSeconds() {
    return cacheAgeSeconds;
  }

  Usage cachedUsage() {
    return cachedUsage;
  }

  void tap(ReplyTap tap) {
    this.tap = this.tap == null ? tap : ReplyTap.both(this.tap, tap);
  }

  ReplyTap tap() {
    return tap;
  }

  void event() {
    eventsWritten++;
  }

  int eventsWritten() {
    return eventsWritten;
  }

  void firstToken(long nowNanos) {
    if (firstTokenNanos == 0) {
      firstTokenNanos = nowNanos;
    }
  }

  long firstTokenNanos() {
    return firstTokenNanos;
  }

  ClientReply.Outcome outcome() {
    return outcome;
  }

  long endNanos() {
    return endNanos;
  }

  /** An attempt cancelled while its provider worked on it: its tokens go to the ledger with this request's. */
  void abandoned(AbandonedAttempt attempt) {
    if (abandoned == null) {
      abandoned = new ArrayList<>(1);
    }
    abandoned.add(attempt);
  }

  /** Closes the books: the one outcome of this request. */
  RequestOutcome finish(ClientReply.Outcome how, long nowNanos) {
    this.outcome = how;
    this.endNanos = nowNanos;
    return new RequestOutcome(requestId, method, path, frontEnd, request, clientKey, provider, upstreamModel,
        List.copyOf(attempts), status, how, error, eventsWritten, usage, cacheStatus, cacheAgeSeconds >= 0,
        cachedUsage, degraded, tap, startNanos, firstTokenNanos, nowNanos, admitted, tokenEstimate, endUser, trace,
        abandoned == null ? List.of() : List.copyOf(abandoned));
  }
}
