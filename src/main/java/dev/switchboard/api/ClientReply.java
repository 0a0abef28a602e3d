package dev.switchboard.api;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * The client side of one request: owns the response, the Switchboard headers, the commit point of a stream,
 * client disconnects, and the bookkeeping the access log and metrics read when it finishes. Used only from the
 * request's event loop.
 */
public final class ClientReply {
  private static final Buffer DATA = Buffer.buffer("data: ");
  private static final Buffer EVENT_END = Buffer.buffer("\n\n");
  static final int FLUSH_AT_BYTES = 16 * 1024;
  /** Server-side failures that a client retry cannot fix: a configuration problem on the gateway's side. */
  private static final java.util.Set<String> NOT_RETRYABLE = java.util.Set.of("upstream_auth_failed",
      "upstream_quota_exhausted", "upstream_response_too_large");
  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  /** How the reply ended, for the access log and metrics. */
  public enum Outcome { OK, CLIENT_ERROR, UPSTREAM_ERROR, STREAM_ERROR, CLIENT_CLOSED }

  private final HttpServerResponse response;
  private final String requestId;
  private final List<String> attempts = new ArrayList<>(2);
  private final List<Runnable> finishListeners = new ArrayList<>(2);
  private GatewayRequest request;
  private String provider;
  private String upstreamModel;
  private String route;
  private int eventsWritten;
  private io.vertx.core.MultiMap extraHeaders;
  private boolean degraded;
  private boolean committed;
  private boolean finished;
  private boolean clientClosed;
  private boolean ending;
  private final Context context = Vertx.currentContext();
  private final Handler<Void> flushTask = v -> flushPending();
  private boolean flushScheduled;
  private Buffer pending;
  private Runnable cancel;
  private int status;
  private Outcome outcome;
  private ApiError error;
  private Usage usage = Usage.NONE;
  private String cacheStatus = "BYPASS";
  private long cacheAgeSeconds = -1;
  private Usage cachedUsage = Usage.NONE;
  private ReplyTap tap;
  private long firstTokenNanos;
  private long endNanos;

  public ClientReply(HttpServerResponse response, String requestId) {
    this.response = response;
    this.requestId = requestId;
    response.closeHandler(v -> onClientClose());
  }

  public void request(GatewayRequest request) {
    this.request = request;
  }

  // ---- attempt bookkeeping -------------------------------------------------------------------------------------

  /** Records one finished attempt as "provider:status" for x-switchboard-attempts. */
  public void attempt(String providerId, String result) {
    attempts.add(providerId + ":" + result);
  }

  /** Replaces the result of the last attempt of this provider (a 2xx head whose body then failed). */
  public void amendLastAttempt(String providerId, String result) {
    if (!attempts.isEmpty()) {
      attempts.set(attempts.size() - 1, providerId + ":" + result);
    } else {
      attempt(providerId, result);
    }
  }

  /** Headers every reply to this request carries, such as the client key's x-ratelimit-* values. */
  public void extraHeaders(io.vertx.core.MultiMap headers) {
    this.extraHeaders = headers;
  }

  /** The x-switchboard-route header: how the candidates were ranked. */
  public void route(String route) {
    this.route = route;
  }

  public void servedBy(String providerId, String model, boolean degraded) {
    this.provider = providerId;
    this.upstreamModel = model;
    this.degraded = degraded;
  }

  /** Registers what to do if the client goes away while an attempt is running. */
  public void onCancel(Runnable cancel) {
    this.cancel = cancel;
  }

  /** Runs {@code listener} when the reply is over; at once if it already is. */
  public void onFinish(Runnable listener) {
    if (finished) {
      listener.run();
      return;
    }
    finishListeners.add(listener);
  }

  /** Whether the reply is over (sent, ended for shutdown, or the client left). */
  public boolean finished() {
    return finished;
  }

  public boolean committed() {
    return committed;
  }

  public boolean clientClosed() {
    return clientClosed;
  }

  public void usage(Usage usage) {
    if (usage != null && !usage.isEmpty()) {
      this.usage = usage;
    }
  }

  /** The x-switchboard-cache header: HIT, MISS or BYPASS (the default). */
  public void cacheStatus(String status) {
    this.cacheStatus = status;
  }

  /**
   * This reply comes from the response cache: {@code x-switchboard-cache: HIT} and {@code age}. Nothing is spent
   * upstream, so {@link #usageReported()} stays empty; the tokens the original reply used (and this one saved) are
   * {@link #cachedUsage()}.
   */
  public void cacheHit(long ageSeconds, Usage saved) {
    this.cacheStatus = "HIT";
    this.cacheAgeSeconds = Math.max(0, ageSeconds);
    this.cachedUsage = saved == null ? Usage.NONE : saved;
  }

  /** Sees everything this reply sends from now on (the cache records a reply through it). */
  public void tap(ReplyTap tap) {
    this.tap = tap;
  }

  public void firstToken() {
    if (firstTokenNanos == 0) {
      firstTokenNanos = System.nanoTime();
    }
  }

  // ---- complete replies ----------------------------------------------------------------------------------------

  /**
   * Sends a whole reply. The future completes once the body has left for the client (or could not), which is when
   * a caller holding its bytes against a budget may give them back.
   */
  public io.vertx.core.Future<Void> sendJson(int status, String contentType, Buffer body) {
    if (!begin(status)) {
      return io.vertx.core.Future.succeededFuture();
    }
    firstToken();
    response.putHeader(HttpHeaders.CONTENT_TYPE, contentType == null ? "application/json" : contentType);
    if (tap != null) {
      tap.json(status, contentType, body);
    }
    ending = true;
    io.vertx.core.Future<Void> written = response.end(body);
    finish(status < 400 ? Outcome.OK : Outcome.CLIENT_ERROR);
    return written;
  }

  public void sendError(ApiError error, long retryAfterMillis) {
    sendError(error, retryAfterMillis, null);
  }

  /**
   * @param shouldRetry the value of {@code x-should-retry}, which the OpenAI SDKs obey over their own defaults:
   *     false once the gateway has spent its own retries, so a client does not multiply them; null to decide by the
   *     error code alone
   */
  public void sendError(ApiError error, long retryAfterMillis, Boolean shouldRetry) {
    this.error = error;
    if (!begin(error.status())) {
      return;
    }
    if (retryAfterMillis >= 0) {
      response.putHeader("retry-after", Long.toString(Math.max(1, (retryAfterMillis + 999) / 1000)));
      if (retryAfterMillis < 60_000) {
        response.putHeader("retry-after-ms", Long.toString(Math.max(1, retryAfterMillis)));
      }
    }
    if (error.code() != null && NOT_RETRYABLE.contains(error.code())) {
      // The OpenAI SDKs retry 5xx by default; this header stops them where a retry cannot help.
      response.putHeader("x-should-retry", "false");
    } else if (shouldRetry != null) {
      response.putHeader("x-should-retry", shouldRetry.toString());
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    ending = true;
    response.end(error.toJson().toBuffer());
    finish(error.status() >= 500 || ApiError.UPSTREAM.equals(error.type()) ? Outcome.UPSTREAM_ERROR : Outcome.CLIENT_ERROR);
  }

  // ---- streams -------------------------------------------------------------------------------------------------

  /** Commits the reply as an SSE stream: from here on failures can only be reported in-band. */
  public void startStream() {
    if (!begin(200)) {
      return;
    }
    response.setChunked(true);
    response.putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    response.putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    response.putHeader("x-accel-buffering", "no");
  }

  public void writeEvent(Buffer payload) {
    if (finished) {
      return;
    }
    eventsWritten++;
    firstToken();
    if (tap != null) {
      tap.event(payload);
    }
    Buffer frame = frame(payload);
    if (context == null) {
      response.write(frame);
      return;
    }
    if (pending == null) {
      pending = frame;
      if (!flushScheduled) {
        flushScheduled = true;
        context.runOnContext(flushTask);
      }
    } else {
      pending.appendBuffer(frame);
    }
  }

  /**
   * Writes the events gathered since the last flush. It runs as the next task on the event loop, after the whole
   * upstream read that produced them has been processed: all events of one read cost one write, and none waits
   * longer than that read's processing.
   */
  private void flushPending() {
    flushScheduled = false;
    writePending();
  }

  private void writePending() {
    Buffer p = pending;
    pending = null;
    if (p != null && !finished) {
      response.write(p);
    }
  }

  /** Stops the running attempt, once. */
  private void runCancel() {
    Runnable c = cancel;
    cancel = null;
    if (c != null) {
      c.run();
    }
  }

  /**
   * Frames one payload as one SSE event. A payload spanning lines (an upstream event sent over several
   * {@code data:} lines, which the parser joins with "\n") gets a {@code data: } prefix on every line: a bare line
   * would otherwise be read by clients as an unknown field and dropped, truncating the event.
   */
  static Buffer frame(Buffer payload) {
    int len = payload.length();
    int breaks = 0;
    for (int i = 0; i < len; i++) {
      byte b = payload.getByte(i);
      if (b == '\n' || b == '\r') {
        breaks++;
      }
    }
    Buffer frame = Buffer.buffer(len + 8 + breaks * DATA.length()).appendBuffer(DATA);
    if (breaks == 0) {
      frame.appendBuffer(payload);
    } else {
      int start = 0;
      for (int i = 0; i < len; i++) {
        byte b = payload.getByte(i);
        if (b == '\n' || b == '\r') {
          frame.appendBuffer(payload, start, i - start).appendByte((byte) '\n').appendBuffer(DATA);
          if (b == '\r' && i + 1 < len && payload.getByte(i + 1) == '\n') {
            i++;
          }
          start = i + 1;
        }
      }
      frame.appendBuffer(payload, start, len - start);
    }
    return frame.appendBuffer(EVENT_END);
  }

  /** Ends a committed stream: an in-band error event first when the stream failed, then always [DONE]. */
  public void endStream(ApiError inBandError) {
    if (finished) {
      return;
    }
    Buffer last = pending != null ? pending : Buffer.buffer(DONE.length() + 8);
    pending = null;
    if (inBandError != null) {
      this.error = inBandError;
      last.appendBuffer(DATA).appendBuffer(inBandError.toJson().toBuffer()).appendBuffer(EVENT_END);
    }
    last.appendBuffer(DONE);
    ending = true;
    response.end(last);
    finish(inBandError == null ? Outcome.OK : Outcome.STREAM_ERROR);
  }

  /**
   * The gateway is shutting down and this request outlived the grace period: drop the upstream attempt and end the
   * reply visibly (an error if nothing was sent yet, an in-band error and [DONE] for a stream) rather than letting
   * the listener cut the connection.
   */
  public void endForShutdown() {
    // `ending`: the reply is being ended right now (ending a response during shutdown can close the connection and
    // complete the listener's shutdown before finish() has run).
    if (finished || ending) {
      return;
    }
    runCancel();
    ApiError err = new ApiError(503, ApiError.SERVER, "Switchboard is shutting down and ended this request before "
        + "it completed; retry it.", null, "server_shutting_down");
    if (!committed) {
      sendError(err, 1_000);
    } else if (request != null && request.endpoint().binaryReply()) {
      abortRaw();
    } else {
      endStream(err);
    }
  }

  // ---- opaque bodies (audio) -----------------------------------------------------------------------------------

  public void startRaw(int status, String contentType) {
    if (!begin(status)) {
      return;
    }
    response.setChunked(true);
    if (contentType != null) {
      response.putHeader(HttpHeaders.CONTENT_TYPE, contentType);
    }
  }

  public void writeRaw(Buffer chunk) {
    if (!finished) {
      firstToken();
      response.write(chunk);
    }
  }

  public void endRaw() {
    if (!finished) {
      ending = true;
      response.end();
      finish(Outcome.OK);
    }
  }

  /** A committed opaque body that failed midway can only be cut: the client sees a truncated chunked reply. */
  public void abortRaw() {
    if (!finished) {
      error = new ApiError(502, ApiError.UPSTREAM, "upstream body interrupted", null, "stream_interrupted");
      ending = true;
      response.reset();
      finish(Outcome.STREAM_ERROR);
    }
  }

  /**
   * Full when the connection's queue is. Events gathered for the next flush are written first once they pass
   * {@link #FLUSH_AT_BYTES}, so a fast upstream is paused when the client stops reading, at most that much later,
   * rather than after a whole read's worth, while small events still share one write.
   */
  public boolean writeQueueFull() {
    if (pending != null && pending.length() >= FLUSH_AT_BYTES) {
      writePending();
    }
    return response.writeQueueFull();
  }

  public void drainHandler(Handler<Void> handler) {
    response.drainHandler(handler);
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  private boolean begin(int status) {
    if (committed || finished || clientClosed) {
      return false;
    }
    committed = true;
    this.status = status;
    response.setStatusCode(status);
    var headers = response.headers();
    headers.set("x-request-id", requestId);
    // Only a reply someone served names who: on a failure the attempts header tells the chain, and naming the
    // last provider tried would read as if it had answered.
    if (provider != null && status >= 200 && status < 300) {
      headers.set("x-switchboard-provider", provider);
    }
    if (!attempts.isEmpty()) {
      headers.set("x-switchboard-attempts", String.join(",", attempts));
    }
    if (route != null) {
      headers.set("x-switchboard-route", route);
    }
    if (extraHeaders != null) {
      headers.addAll(extraHeaders);
    }
    headers.set("x-switchboard-cache", cacheStatus);
    if (cacheAgeSeconds >= 0) {
      headers.set("age", Long.toString(cacheAgeSeconds));
    }
    if (degraded) {
      headers.set("x-switchboard-degraded", "true");
    }
    return true;
  }

  private void onClientClose() {
    // Vert.x also calls this when a finished response releases its stream; only an unfinished one was cut short.
    if (finished || ending) {
      return;
    }
    clientClosed = true;
    if (!committed) {
      // nginx's convention: the client closed the connection before a response was sent.
      status = 499;
    }
    runCancel();
    finish(Outcome.CLIENT_CLOSED);
  }

  private void finish(Outcome outcome) {
    if (finished) {
      return;
    }
    finished = true;
    this.outcome = outcome;
    this.endNanos = System.nanoTime();
    cancel = null;
    for (Runnable r : finishListeners) {
      r.run();
    }
  }

  // ---- read by the access log and metrics ----------------------------------------------------------------------

  public String requestId() {
    return requestId;
  }

  public GatewayRequest gatewayRequest() {
    return request;
  }

  public String provider() {
    return provider;
  }

  public String upstreamModel() {
    return upstreamModel;
  }

  public List<String> attempts() {
    return attempts;
  }

  public int status() {
    return status;
  }

  public Outcome outcome() {
    return outcome;
  }

  public ApiError error() {
    return error;
  }

  /** Stream events written to the client (roughly one token each: the estimate when no usage was reported). */
  public int eventsWritten() {
    return eventsWritten;
  }

  /** Tokens spent upstream for this reply; empty for a cache hit. */
  public Usage usageReported() {
    return usage;
  }

  public String cacheStatus() {
    return cacheStatus;
  }

  /** Answered from the response cache: nothing was spent upstream. */
  public boolean cacheHit() {
    return cacheAgeSeconds >= 0;
  }

  /** On a cache hit, the usage of the reply it replays: tokens saved, at zero cost. */
  public Usage cachedUsage() {
    return cachedUsage;
  }

  public long firstTokenNanos() {
    return firstTokenNanos;
  }

  public long endNanos() {
    return endNanos;
  }

  public boolean degraded() {
    return degraded;
  }

}
