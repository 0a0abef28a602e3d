package dev.switchboard.routing;

import dev.switchboard.config.ProviderConfig;
import dev.switchboard.config.Timeouts;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderAdapter;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.UpstreamRequest;
import dev.switchboard.api.AttemptTrace;
import dev.switchboard.api.ClientReply;
import dev.switchboard.api.GatewayRequest;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;


/**
 * One try of one request against one provider — the upstream call: sends it through the provider's pooled client,
 * reads the response head (an error status becomes an {@link UpstreamFailure}), enforces the provider's connect,
 * first-byte, idle and total timeouts through the {@link Watchdog}, and hands a successful body to its {@link Relay}
 * (whole JSON, SSE events, or raw bytes). Everything runs on the request's event loop, so the state needs no
 * synchronisation; time comes from the chain's clock.
 *
 * <p>The returned future succeeds once the client has its reply (even one that ended with an in-band error after
 * the stream committed) and fails with {@link UpstreamFailure} when nothing was committed, so the chain may try
 * elsewhere, or with {@link ClientGone} when the client left.
 */
final class Attempt implements Relay.Host {
  private static final int MAX_ERROR_BODY = 256 * 1024;
  private static final long POOL_WAIT_EXTRA_MILLIS = 1_000;

  private final HttpClient client;
  private final Provider provider;
  private final Target target;
  private final GatewayRequest request;
  private final ClientReply reply;
  private final AttemptSettings settings;
  private final Timeouts timeouts;
  private final Promise<Void> promise = Promise.promise();
  private final java.util.function.LongSupplier nanoClock;
  private final long startNanos;
  private final long deadlineNanos;
  private final long briefWaitMillis;
  private final long firstTokenNanos;
  /** Whether this attempt's stream delivered its first content event (its commit point). */
  private boolean contentStarted;
  private UpstreamFailure failure;
  private int upstreamStatus;

  private HttpClientRequest upstreamRequest;
  private HttpClientResponse upstreamResponse;
  private final Watchdog watchdog;
  private long sentNanos;
  private long headNanos;
  private long lastActivity;
  /** Intrusive links for the {@link Watchdog}. */
  Attempt watchPrev;
  Attempt watchNext;
  boolean watched;
  private boolean paused;
  private boolean done;
  private boolean headRecorded;
  private boolean responseEnded;
  private boolean lingering;
  /** How the body goes to the client, once the response head arrived; null before. */
  private Relay relay;
  /** The provider's adapter, or its native side when it speaks the client's front-end API; chosen in {@link #run}. */
  private ProviderAdapter adapter;

  /** The client stream's text for a mid-stream resume, or null when a cut ends the stream. */
  private StreamSplice splice;
  /** Whether this attempt continues a cut stream (it is translated through chat whatever the front end). */
  private boolean continuation;
  /** The delivered text's length when this attempt started: what it adds is its own. */
  private int charsAtStart;

  /** A committed stream was cut and may be resumed: the run continues it on another candidate. */
  public static final class StreamCut extends RuntimeException {
    final UpstreamFailure failure;
    final int charsDelivered;

    StreamCut(UpstreamFailure failure, int charsDelivered) {
      super("stream cut after commit", null, false, false);
      this.failure = failure;
      this.charsDelivered = charsDelivered;
    }
  }

  /** The hedge race this attempt runs in, or null when it runs alone. */
  private HedgeRace race;

  /** This attempt lost a hedge race: the other produced content first, and this one was cancelled. */
  public static final class HedgeLost extends RuntimeException {
    HedgeLost() {
      super("another hedged attempt answered first", null, false, false);
    }
  }

  /** This attempt's span; {@link AttemptTrace#NONE} when the request is not traced. */
  private AttemptTrace trace = AttemptTrace.NONE;

  /** The client went away; nothing more is to be done for this request. */
  public static final class ClientGone extends RuntimeException {
    ClientGone() {
      super("client closed the connection", null, false, false);
    }
  }

  /**
   * @param deadlineNanos the whole request's deadline (on the settings' clock), bounding this attempt too
   * @param firstTokenNanos how long after sending a stream may go without a content event, or -1 for no limit
   */
  Attempt(AttemptSettings settings, HttpClient client, Target target, GatewayRequest request, ClientReply reply,
          long deadlineNanos, long firstTokenNanos) {
    this.deadlineNanos = deadlineNanos;
    this.firstTokenNanos = firstTokenNanos;
    this.briefWaitMillis = settings.briefWaitMillis();
    this.watchdog = settings.watchdog();
    this.nanoClock = settings.nanoClock();
    this.startNanos = nanoClock.getAsLong();
    this.client = client;
    this.provider = target.provider();
    this.target = target;
    this.request = request;
    this.reply = reply;
    this.settings = settings;
    this.timeouts = provider.config().timeouts();
  }

  /** Runs this attempt in {@code race}: it commits only if it claims the reply first. Call before {@link #run}. */
  void race(HedgeRace race) {
    this.race = race;
  }

  /**
   * Lets a cut of this attempt's committed stream be resumed through {@code splice}; {@code continuation} when this
   * attempt itself continues a cut stream. Call before {@link #run}.
   */
  void resumable(StreamSplice splice, boolean continuation) {
    this.splice = splice;
    this.continuation = continuation;
  }

  /** Whether this attempt's stream delivered content (it reached the commit point). */
  boolean hasContent() {
    return contentStarted;
  }

  private ProviderConfig cfg() {
    return provider.config();
  }

  /** The upstream's HTTP status, 0 when no response head arrived. */
  int upstreamStatus() {
    return upstreamStatus;
  }

  /** The upstream's response headers, or null when no response head arrived. */
  io.vertx.core.MultiMap upstreamHeaders() {
    return upstreamResponse == null ? null : upstreamResponse.headers();
  }

  /** How the attempt failed, also when it failed after the stream committed (and so completed normally); or null. */
  UpstreamFailure failure() {
    return failure;
  }

  public Future<Void> run() {
    ProviderConfig cfg = provider.config();
    provider.stats().started();
    reply.servedBy(provider.id(), target.model(), false);
    if (race == null) {
      reply.onCancel(this::cancel);
    }
    adapter = nativeOrTranslating();
    charsAtStart = splice == null ? 0 : splice.deliveredChars();
    UpstreamRequest up = adapter.prepare(request, target.model());
    ForwardedHeaders.apply(request.requestId(), reply.books().clientHeaders(), cfg, up.headers());
    trace = reply.books().trace().attempt(provider.id(), target.model(), reply.attempts().size() + 1, up.headers());
    RequestOptions options = new RequestOptions()
        .setMethod(up.method())
        .setHost(cfg.host())
        .setPort(cfg.port())
        .setSsl(cfg.ssl())
        .setURI(up.path())
        .setHeaders(up.headers())
        // The TCP connect itself is bounded by the client's options (connect); this one bounds the wait for a
        // pooled connection, a little longer so that a dead host reports as unreachable, not as a full pool.
        .setConnectTimeout(timeouts.connect().toMillis() + POOL_WAIT_EXTRA_MILLIS);
    watchdog.add(this);
    try {
      client.request(options).onComplete(ar -> onConnected(ar, up.body()));
    } catch (RuntimeException e) {
      fail(Failures.transport(provider.id(), e));
    }
    return promise.future();
  }

  private void onConnected(AsyncResult<HttpClientRequest> ar, Buffer body) {
    if (ar.failed()) {
      fail(Failures.transport(provider.id(), ar.cause()));
      return;
    }
    upstreamRequest = ar.result();
    // Outcomes arrive through the send future and the response handlers; without a handler here, the reset of a
    // cancelled request would also be logged by Vert.x as an unhandled exception.
    upstreamRequest.exceptionHandler(t -> {
      if (!done) {
        fail(Failures.transport(provider.id(), t));
      }
    });
    if (done) {
      upstreamRequest.reset();
      return;
    }
    sentNanos = nanoClock.getAsLong();
    upstreamRequest.send(body).onComplete(this::onResponse);
  }

  private void onResponse(AsyncResult<HttpClientResponse> ar) {
    if (done) {
      return;
    }
    if (ar.failed()) {
      fail(Failures.transport(provider.id(), ar.cause()));
      return;
    }
    HttpClientResponse resp = ar.result();
    upstreamResponse = resp;
    upstreamStatus = resp.statusCode();
    headNanos = nanoClock.getAsLong();
    lastActivity = headNanos;
    int status = resp.statusCode();
    if (status < 200 || status >= 300) {
      collect(resp, MAX_ERROR_BODY).onComplete(body -> {
        if (done) {
          return;
        }
        Buffer b = body.succeeded() ? body.result() : Buffer.buffer();
        if (!provider.secrets().isEmpty() && b.length() > 0) {
          // Secrets out by value before the adapter's pattern scrubber could cut one in two (bounded: an error body).
          b = Buffer.buffer(provider.secrets().scrub(b.toString()));
        }
        UpstreamError e = adapter.translateError(status, resp.headers(), b);
        fail(Failures.fromStatus(provider.id(), e, briefWaitMillis));
      });
      return;
    }
    reply.attempt(provider.id(), Integer.toString(status));
    reply.books().price(cfg().price(target.model()));
    headRecorded = true;
    if (!request.stream()) {
      // A whole reply's head is its first token; a stream's comes with its first content event.
      provider.stats().firstToken(headNanos - startNanos);
    }
    relay = relayFor(resp);
    relay.relay(resp);
  }

  /** How this reply's body goes to the client: bytes, events, or a whole reply. */
  private Relay relayFor(HttpClientResponse resp) {
    if (request.endpoint().binaryReply()) {
      return new RawRelay(this, reply);
    }
    String contentType = resp.getHeader(HttpHeaders.CONTENT_TYPE);
    if (request.stream() && contentType != null && contentType.regionMatches(true, 0, "text/event-stream", 0, 17)) {
      return new SseRelay(this, provider, adapter, request, reply, adapter == provider.adapter() ? splice : null);
    }
    return new JsonRelay(this, provider, adapter, request, reply, settings.maxResponseBytes(), settings.buffers());
  }

  /**
   * The adapter of this attempt: the provider's native side when it speaks the client's own front-end API (the reply
   * then goes out as it came), else the provider's adapter through chat. Decided per attempt, so a request may fail
   * over between a native and a translating target.
   */
  private ProviderAdapter nativeOrTranslating() {
    if (continuation) {
      return provider.adapter();
    }
    dev.switchboard.api.NativeFront front = reply.nativeFront();
    ProviderAdapter speaksIt = front == null ? null : provider.adapter().nativeFormat(front);
    reply.relayNatively(speaksIt == null ? null : provider.id());
    return speaksIt == null ? provider.adapter() : speaksIt;
  }

  // ---- the relay's host ----------------------------------------------------------------------------------------

  @Override
  public boolean done() {
    return done;
  }

  @Override
  public boolean claimCommit() {
    if (race == null) {
      return true;
    }
    if (!race.claim(this)) {
      return false;
    }
    // Several attempts said who serves as they started; the winner is who did.
    reply.servedBy(provider.id(), target.model(), false);
    return true;
  }

  @Override
  public void contentStarted() {
    contentStarted = true;
  }

  @Override
  public long elapsedNanos() {
    return nanoClock.getAsLong() - startNanos;
  }

  /** Reads a whole error body, refusing more than {@code limit} bytes. */
  private Future<Buffer> collect(HttpClientResponse resp, long limit) {
    Promise<Buffer> p = Promise.promise();
    Buffer acc = Buffer.buffer();
    resp.handler(chunk -> {
      touch();
      if (acc.length() + chunk.length() > limit) {
        if (!p.future().isComplete()) {
          p.tryFail(Failures.tooLarge(provider.id(), limit));
        }
        return;
      }
      acc.appendBuffer(chunk);
    });
    resp.endHandler(v -> {
      responseEnded();
      p.tryComplete(acc);
    });
    resp.exceptionHandler(t -> {
      responseEnded();
      p.tryFail(t);
    });
    return p.future();
  }

  @Override
  public void keepPace(HttpClientResponse resp) {
    if (reply.writeQueueFull()) {
      paused = true;
      resp.pause();
      reply.drainHandler(v -> {
        paused = false;
        touch();
        resp.resume();
      });
    }
  }

  /** The response is over either way: a lingering attempt leaves too. */
  @Override
  public void bodyBroken(Throwable cause) {
    responseEnded();
    fail(Failures.streamCut(provider.id()));
  }

  @Override
  public void responseEnded() {
    responseEnded = true;
    if (lingering) {
      lingering = false;
      watchdog.remove(this);
    }
  }

  // ---- timers --------------------------------------------------------------------------------------------------

  @Override
  public void touch() {
    lastActivity = nanoClock.getAsLong();
  }

  /** Called by the {@link Watchdog} on every tick while this attempt runs. */
  void checkDeadlines(long now) {
    if (done) {
      if (lingering && now - lastActivity >= timeouts.idle().toNanos()) {
        // The client has its complete reply, but the upstream never finished the HTTP response: free the connection.
        lingering = false;
        watchdog.remove(this);
        upstreamRequest.reset();
      }
      return;
    }
    if (now - startNanos >= timeouts.total().toNanos()) {
      fail(Failures.timeout(provider.id(), "total (" + text(timeouts.total()) + ")"));
    } else if (now - deadlineNanos >= 0) {
      fail(Failures.timeout(provider.id(), "request deadline (routing.request_timeout)"));
    } else if (firstTokenNanos > 0 && !contentStarted && sentNanos != 0 && now - sentNanos >= firstTokenNanos) {
      // Silent past its first-token deadline: abandoned before commit, so the next candidate serves the client.
      fail(Failures.timeout(provider.id(), "first-token (" + text(java.time.Duration.ofNanos(firstTokenNanos))
          + ")"));
    } else if (headNanos == 0) {
      if (sentNanos != 0 && now - sentNanos >= timeouts.firstByte().toNanos()) {
        fail(Failures.timeout(provider.id(), "first byte (" + text(timeouts.firstByte()) + ")"));
      }
    } else if (paused) {
      // Waiting for a slow client is not upstream silence.
      lastActivity = now;
    } else if (now - lastActivity >= timeouts.idle().toNanos()) {
      fail(Failures.timeout(provider.id(), "idle (" + text(timeouts.idle()) + " between chunks)"));
    }
  }

  /** "2s", or "300ms" for a timeout that is not whole seconds (toSeconds() alone said "0s"). */
  private static String text(java.time.Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  // ---- endings -------------------------------------------------------------------------------------------------

  @Override
  public void succeed() {
    if (done) {
      return;
    }
    done = true;
    if (upstreamRequest != null && !responseEnded) {
      // [DONE] came before the end of the HTTP response: keep watching, so a provider that never ends it cannot hold
      // the pooled connection forever.
      lingering = true;
    } else {
      watchdog.remove(this);
    }
    if (race == null) {
      reply.onCancel(null);
    }
    long now = nanoClock.getAsLong();
    provider.stats().succeeded(now - startNanos);
    trace.answered(upstreamStatus, reply.usageReported(), target.model(), headNanos > 0 ? headNanos - startNanos : -1);
    promise.tryComplete();
  }

  @Override
  public void fail(UpstreamFailure unsafe) {
    if (done) {
      return;
    }
    done = true;
    // From here the texts go to the client, the failover event and the logs.
    UpstreamFailure failure = UpstreamText.clean(unsafe, provider);
    this.failure = failure;
    releaseRelay();
    watchdog.remove(this);
    if (race == null) {
      reply.onCancel(null);
    }
    abortUpstream();
    if (failure.kind().providerFault()) {
      provider.stats().failed();
    } else {
      provider.stats().neutral(failure.kind().answered());
    }
    trace.failed(upstreamStatus, failure.errorClass().name().toLowerCase(java.util.Locale.ROOT),
        failure.kind().name().toLowerCase(java.util.Locale.ROOT), failure.label());
    if (headRecorded) {
      reply.amendLastAttempt(provider.id(), failure.label());
    } else {
      reply.attempt(provider.id(), failure.label());
    }
    if (reply.committed() && splice != null && adapter == provider.adapter() && splice.resumable()
        && !request.endpoint().binaryReply()) {
      // Cut after commit, text only: the run continues it elsewhere rather than ending it here.
      reply.amendLastAttempt(provider.id(), "cut");
      promise.tryFail(new StreamCut(failure, splice.deliveredChars() - charsAtStart));
    } else if (reply.committed()) {
      // Past the commit point the client already has part of the reply: end it visibly, never silently.
      if (request.endpoint().binaryReply()) {
        reply.abortRaw();
      } else {
        reply.endStream(failure.clientError());
      }
      promise.tryComplete();
    } else {
      promise.tryFail(failure);
    }
  }

  /** The other hedged attempt produced content first: close this one's connection so the provider stops. */
  void loseHedge() {
    if (!abandon()) {
      return;
    }
    if (headRecorded) {
      reply.amendLastAttempt(provider.id(), "hedge_lost");
    } else {
      reply.attempt(provider.id(), "hedge_lost");
    }
    trace.failed(upstreamStatus, "hedge_lost", "hedge_lost", "another hedged attempt answered first");
    if (sentNanos != 0) {
      // The provider had the request and was working on it: its prompt (and whatever it generated unseen) is billed.
      // It produced no content — the first content event decides the race — so its estimate is the prompt's.
      reply.abandoned(new dev.switchboard.api.AbandonedAttempt(provider.id(), target.model(), 0, "hedge_lost"));
    }
    promise.tryFail(new HedgeLost());
  }

  /** The client left while this attempt ran in a hedge race. */
  void cancelForClient() {
    cancel();
  }

  private void cancel() {
    if (!abandon()) {
      return;
    }
    trace.failed(upstreamStatus, "client_gone", "client_gone", "client closed");
    promise.tryFail(new ClientGone());
  }

  /**
   * Stops an attempt the gateway gives up on for a reason that is not the provider's fault (a lost hedge, a client
   * gone): no more relaying or timeouts, the connection closed, and the provider's stats left neutral. False when the
   * attempt had already finished, and there is nothing to stop.
   */
  private boolean abandon() {
    if (done) {
      return false;
    }
    done = true;
    releaseRelay();
    watchdog.remove(this);
    abortUpstream();
    provider.stats().neutral(false);
    return true;
  }

  private void releaseRelay() {
    if (relay != null) {
      relay.release();
    }
  }

  private void abortUpstream() {
    // A fully read response leaves a healthy keep-alive connection: resetting it would only cost a reconnect.
    if (upstreamRequest != null && !responseEnded) {
      upstreamRequest.reset();
    }
  }
}
