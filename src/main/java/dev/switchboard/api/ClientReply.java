package dev.switchboard.api;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * The writer of one request's reply: owns the response, the Switchboard headers, framing and batching of stream
 * events, back-pressure, the commit point of a stream and client disconnects. The bookkeeping (attempts, usage,
 * cache status...) lives in its {@link ReplyRecorder}; when the reply finishes, the recorder's one
 * {@link RequestOutcome} goes to the finish listener. Used only from the request's event loop.
 */
public final class ClientReply {
  static final int FLUSH_AT_BYTES = 16 * 1024;

  /** How the reply ended, for the access log and metrics. */
  public enum Outcome {
    OK, CLIENT_ERROR, UPSTREAM_ERROR, STREAM_ERROR, CLIENT_CLOSED;

    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    /** The lower-case name logs, metrics and live events use. */
    public String label() {
      return label;
    }
  }

  /** The reply's cost in the ledger's currency; on streams a closing SSE comment says the same (README: Telemetry). */
  public static final String COST_HEADER = "x-switchboard-cost";

  private final HttpServerResponse response;
  private final ReplyRecorder books;
  private final FinishListener listener;
  private final LongSupplier nanoClock;
  private HeaderBlock extraHeaders;
  private boolean committed;
  private boolean finished;
  private boolean clientClosed;
  private boolean ending;
  private final StreamFrames frames;
  private Runnable cancel;
  /** Offered an upstream failure before it goes out; null when nobody can stand in (see {@link #onUpstreamFailure}). */
  private java.util.function.Predicate<ApiError> standIn;
  /** The client's API when it is not Chat Completions: what every reply, event and error becomes on the wire. */
  private WireFormat format;
  /** What replies go out through: {@link #format}, or its native side while an attempt relays natively. */
  private WireFormat active;

  /** A reply outside the request path (an error before any exchange began): nobody hears when it ends. */
  public ClientReply(HttpServerResponse response, String requestId) {
    this(response, new ReplyRecorder(requestId, null, null, System.nanoTime()), null, System::nanoTime);
  }

  /**
   * @param books the request's bookkeeping, turned into its outcome when the reply finishes
   * @param finished hears that outcome, once; may be null
   * @param nanoClock the clock of first-token and end times
   */
  public ClientReply(HttpServerResponse response, ReplyRecorder books, FinishListener finished, LongSupplier nanoClock) {
    this.response = response;
    this.books = books;
    this.listener = finished;
    this.nanoClock = nanoClock;
    this.frames = new StreamFrames(response, Vertx.currentContext());
    response.closeHandler(v -> onClientClose());
  }

  /**
   * Speaks {@code format} to the client from now on: the chat-completions replies, events and errors written to this
   * reply go out in that front end's shape. Set by a front end before anything is sent.
   */
  public void wireFormat(WireFormat format) {
    this.format = format;
    this.active = format;
    books.frontEnd(format.frontEnd());
  }

  /** The client's front end's native side (its request in its own API), or null when it has none. */
  public NativeFront nativeFront() {
    return format == null ? null : format.nativeFront();
  }

  /**
   * Relays what the coming attempt sends unchanged, in the front end's own API, because {@code providerId} speaks it
   * natively; with null, turns chat shapes into the front end's as usual. Decided per attempt, before the commit.
   */
  public void relayNatively(String providerId) {
    if (committed) {
      return;
    }
    NativeFront front = nativeFront();
    active = providerId == null || front == null ? format : front.format(providerId);
    ReplyTap tap = books.tap();
    if (tap != null) {
      tap.relayedNatively(active == format ? null : providerId);
    }
  }

  /** The request's bookkeeping (front end, client key, admission), for the stages that add to it. */
  public ReplyRecorder books() {
    return books;
  }

  public void request(GatewayRequest request) {
    books.request(request);
  }

  // ---- bookkeeping, kept by the recorder -----------------------------------------------------------------------

  /** Records one finished attempt as "provider:status" for x-switchboard-attempts. */
  public void attempt(String providerId, String result) {
    books.attempt(providerId, result);
  }

  /** An attempt cancelled while its provider worked on it (a hedge loser): the ledger books its estimated tokens. */
  public void abandoned(AbandonedAttempt attempt) {
    books.abandoned(attempt);
  }

  /** Replaces the result of the last attempt of this provider (a 2xx head whose body then failed). */
  public void amendLastAttempt(String providerId, String result) {
    books.amendLastAttempt(providerId, result);
  }

  /** Headers every reply to this request carries, such as the client key's x-ratelimit-* values. */
  public void extraHeaders(HeaderBlock headers) {
    this.extraHeaders = headers;
  }

  /** The x-switchboard-route header: how the candidates were ranked. */
  public void route(String route) {
    books.route(route);
  }

  public void servedBy(String providerId, String model, boolean degraded) {
    books.servedBy(providerId, model, degraded);
  }

  /**
   * Registers who may answer instead of a server-side error (5xx) before it is sent: {@code standIn} gets the error
   * and returns true when it has answered the reply itself (the cache serving a stale answer), false to let the error
   * go out. Asked at most once.
   */
  public void onUpstreamFailure(java.util.function.Predicate<ApiError> standIn) {
    this.standIn = standIn;
  }

  /** Registers what to do if the client goes away while an attempt is running. */
  public void onCancel(Runnable cancel) {
    this.cancel = cancel;
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
    books.usage(usage);
  }

  /** The x-switchboard-cache header: HIT, MISS or BYPASS (the default). */
  public void cacheStatus(String status) {
    books.cacheStatus(status);
  }

  /**
   * This reply comes from the response cache: {@code x-switchboard-cache: HIT} and {@code age}. Nothing is spent
   * upstream, so {@link #usageReported()} stays empty; the tokens the original reply used (and this one saved) are
   * the outcome's {@code cachedUsage}.
   */
  public void cacheHit(long ageSeconds, Usage saved) {
    books.cacheHit(ageSeconds, saved);
  }

  /** Sees everything this reply sends from now on (the cache records a reply through it); taps add up. */
  public void tap(ReplyTap tap) {
    books.tap(tap);
  }

  public void firstToken() {
    books.firstToken(nanoClock.getAsLong());
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
    ReplyTap tap = books.tap();
    if (tap != null) {
      tap.json(status, contentType, body);
    }
    if (active != null) {
      body = active.reply(status, body);
      contentType = "application/json";
    }
    response.putHeader(HttpHeaders.CONTENT_TYPE, contentType == null ? "application/json" : contentType);
    String cost = status < 400 ? books.costText() : null;
    if (cost != null) {
      response.putHeader(COST_HEADER, cost);
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
    java.util.function.Predicate<ApiError> offer = standIn;
    if (offer != null && error.status() >= 500 && !committed && !finished) {
      standIn = null;
      if (offer.test(error)) {
        return;
      }
    }
    books.error = error;
    if (!begin(active == null ? error.status() : active.errorStatus(error))) {
      return;
    }
    ReplyHeaders.retryHints(response.headers(), error, retryAfterMillis, shouldRetry);
    response.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    ending = true;
    response.end(active == null ? error.toJson().toBuffer() : active.errorBody(error));
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

  /**
   * The upstream read about to be relayed has {@code bytes} bytes: the events it becomes are gathered in one buffer
   * of about that size, so they are copied once and the buffer need not grow.
   */
  public void expectEventBytes(int bytes) {
    frames.expect(bytes);
  }

  public void writeEvent(Buffer payload) {
    if (finished) {
      return;
    }
    books.event();
    firstToken();
    ReplyTap tap = books.tap();
    if (tap != null) {
      tap.event(payload);
    }
    frames.write(payload, active);
  }

  /** A comment line in a committed stream ({@code : text}), which SSE clients skip: a note for people and proxies. */
  public void comment(String text) {
    if (!finished && committed) {
      frames.comment(text);
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

  /** Ends a committed stream: an in-band error event first when the stream failed, then always [DONE]. */
  public void endStream(ApiError inBandError) {
    if (finished) {
      return;
    }
    if (inBandError != null) {
      books.error = inBandError;
    }
    String cost = books.streamCostText();
    Buffer last = frames.last(inBandError, books.usage(), active, cost);
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
    } else if (books.request() != null && books.request().endpoint().binaryReply()) {
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
      books.error = new ApiError(502, ApiError.UPSTREAM, "upstream body interrupted", null, "stream_interrupted");
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
    frames.flushIfOver(FLUSH_AT_BYTES);
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
    books.status = status;
    response.setStatusCode(status);
    ReplyHeaders.write(response.headers(), books, status, extraHeaders);
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
      books.status = 499;
    }
    runCancel();
    finish(Outcome.CLIENT_CLOSED);
  }

  /** The commit of the books: the outcome is built once, here, and heard once. */
  private void finish(Outcome how) {
    if (finished) {
      return;
    }
    finished = true;
    cancel = null;
    frames.discard();
    RequestOutcome outcome = books.finish(how, nanoClock.getAsLong());
    if (listener != null) {
      listener.finished(outcome);
    }
  }

  // ---- read by routing and the front door --------------------------------------------------------------------

  public String requestId() {
    return books.requestId();
  }

  public GatewayRequest gatewayRequest() {
    return books.request();
  }

  public String provider() {
    return books.provider();
  }

  public List<String> attempts() {
    return books.attempts();
  }

  public int status() {
    return books.status;
  }

  /** Tokens spent upstream for this reply; empty for a cache hit. */
  public Usage usageReported() {
    return books.usage();
  }
}
