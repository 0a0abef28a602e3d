package dev.switchboard.routing;

import dev.switchboard.config.ProviderConfig;
import dev.switchboard.config.Timeouts;
import dev.switchboard.provider.BufferBudget;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.StreamTranslator;
import dev.switchboard.provider.TranslatedReply;
import dev.switchboard.provider.UpstreamError;
import dev.switchboard.provider.UpstreamRequest;
import dev.switchboard.api.ClientReply;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.SseParser;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.RequestOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * One try of one request against one provider: sends it through the provider's pooled client, enforces the
 * provider's timeouts, and relays the reply to the client (whole JSON, SSE event by event with back-pressure, or
 * opaque bytes). Everything runs on the request's event loop, so the state needs no synchronisation.
 *
 * <p>The returned future succeeds once the client has its reply (even one that ended with an in-band error after
 * the stream committed) and fails with {@link UpstreamFailure} when nothing was committed, so the chain may try
 * elsewhere, or with {@link ClientGone} when the client left.
 */
public final class Attempt {
  private static final int MAX_ERROR_BODY = 256 * 1024;
  private static final int MAX_EVENT_BYTES = 8 * 1024 * 1024;
  /** Preamble events held before the commit point; past this the stream commits anyway (bounded memory). */
  private static final int MAX_HELD_EVENTS = 16;
  private static final long POOL_WAIT_EXTRA_MILLIS = 1_000;

  private final HttpClient client;
  private final Provider provider;
  private final Target target;
  private final GatewayRequest request;
  private final ClientReply reply;
  private final long maxResponseBytes;
  private final BufferBudget buffers;
  /** Bytes of this attempt's whole reply held against {@link #buffers}; given back however the attempt ends. */
  private long reservedBytes;
  private final Timeouts timeouts;
  private final Promise<Void> promise = Promise.promise();
  private final java.util.function.LongSupplier nanoClock;
  private final long startNanos;
  private final long deadlineNanos;
  private final long briefWaitMillis;
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
  private List<Buffer> held;

  /** The client went away; nothing more is to be done for this request. */
  public static final class ClientGone extends RuntimeException {
    ClientGone() {
      super("client closed the connection", null, false, false);
    }
  }

  /** @param deadlineNanos the whole request's deadline (on the settings' clock), bounding this attempt too */
  Attempt(AttemptSettings settings, HttpClient client, Target target, GatewayRequest request, ClientReply reply,
          long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
    this.briefWaitMillis = settings.briefWaitMillis();
    this.watchdog = settings.watchdog();
    this.nanoClock = settings.nanoClock();
    this.startNanos = nanoClock.getAsLong();
    this.client = client;
    this.provider = target.provider();
    this.target = target;
    this.request = request;
    this.reply = reply;
    this.buffers = settings.buffers();
    // A reply larger than the whole budget could never be held: that is a size limit, not a transient overload.
    this.maxResponseBytes = Math.min(settings.maxResponseBytes(), buffers.capacityBytes());
    this.timeouts = provider.config().timeouts();
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
    reply.onCancel(this::cancel);
    UpstreamRequest up = provider.adapter().prepare(request, target.model());
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
        UpstreamError e = provider.adapter().translateError(status, resp.headers(), b);
        fail(Failures.fromStatus(provider.id(), e, briefWaitMillis));
      });
      return;
    }
    reply.attempt(provider.id(), Integer.toString(status));
    headRecorded = true;
    if (!request.stream()) {
      // A whole reply's head is its first token; a stream's comes with its first content event.
      provider.stats().firstToken(headNanos - startNanos);
    }
    String contentType = resp.getHeader(HttpHeaders.CONTENT_TYPE);
    if (request.endpoint().binaryReply()) {
      relayRaw(resp, status, contentType);
    } else if (request.stream() && contentType != null && contentType.regionMatches(true, 0, "text/event-stream", 0, 17)) {
      relayStream(resp);
    } else {
      collectReply(resp).onComplete(body -> {
        if (done) {
          return;
        }
        if (body.failed()) {
          fail(Failures.transport(provider.id(), body.cause()));
          return;
        }
        try {
          deliver(status, contentType, body.result());
        } catch (OutOfMemoryError e) {
          // Never a partial or fake answer: whatever was begun is cut, and the chain reports the failure.
          if (reply.committed() && !request.stream()) {
            reply.abortRaw();
          }
          fail(Failures.buffersFull(provider.id(), "the gateway ran out of memory"));
        }
      });
    }
  }

  /** Sends a whole reply, converted to events when the client asked for a stream. */
  private void deliver(int status, String contentType, Buffer body) {
    TranslatedReply translated;
    try {
      translated = provider.adapter().translateReply(request, contentType, body);
    } catch (IllegalArgumentException e) {
      fail(Failures.brokenReply(provider.id(), e.getMessage()));
      return;
    }
    reply.usage(translated.usage());
    if (request.stream()) {
      // The provider ignored stream: true and answered whole. The client reads SSE, so convert faithfully
      // rather than hand it a JSON body its SDK would read as an empty stream.
      List<Buffer> events;
      try {
        events = provider.adapter().replyAsStream(request, translated.body());
      } catch (IllegalArgumentException e) {
        fail(Failures.brokenReply(provider.id(), e.getMessage()));
        return;
      }
      reply.startStream();
      events.forEach(reply::writeEvent);
      reply.endStream(null);
      releaseBuffers();
    } else {
      Future<Void> written = reply.sendJson(status, translated.contentType(), translated.body());
      // The bytes stay in memory until they have left for the client: the reservation goes with them.
      long held = reservedBytes;
      reservedBytes = 0;
      written.onComplete(v -> buffers.release(held));
    }
    succeed();
  }

  // ---- bodies --------------------------------------------------------------------------------------------------

  /** Reads a whole body, refusing more than {@code limit} bytes. */
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

  /**
   * Reads a whole reply within the per-reply limit, holding its bytes against the process-wide {@link BufferBudget}:
   * all of a declared Content-Length up front (refused before a byte is read, and buffered without regrowth), or
   * chunk by chunk when the length is unknown. A chunk that cannot be held fails the reply; it is never skipped.
   */
  private Future<Buffer> collectReply(HttpClientResponse resp) {
    long limit = maxResponseBytes;
    long declared = contentLength(resp);
    if (declared > limit) {
      return Future.failedFuture(Failures.tooLarge(provider.id(), limit));
    }
    if (declared >= 0 && !reserve(declared)) {
      return Future.failedFuture(Failures.buffersFull(provider.id(), "server.max_buffered_responses is in use"));
    }
    Promise<Buffer> p = Promise.promise();
    // A declared length gets its buffer at once; chunks of an unknown length are kept as they came and copied once
    // at the end, instead of into a buffer regrown (and copied) every few megabytes.
    Buffer acc = declared >= 0 ? Buffer.buffer((int) Math.min(declared, Integer.MAX_VALUE)) : null;
    List<Buffer> chunks = declared >= 0 ? null : new ArrayList<>();
    long[] received = {0};
    resp.handler(chunk -> {
      if (p.future().isComplete()) {
        return;
      }
      touch();
      try {
        long needed = received[0] + chunk.length();
        if (needed > limit) {
          p.tryFail(Failures.tooLarge(provider.id(), limit));
          return;
        }
        if (needed > reservedBytes && !reserve(needed - reservedBytes)) {
          p.tryFail(Failures.buffersFull(provider.id(), "server.max_buffered_responses is in use"));
          return;
        }
        if (acc != null) {
          acc.appendBuffer(chunk);
        } else {
          chunks.add(chunk);
        }
        received[0] = needed;
      } catch (Throwable t) {
        // An allocation failing here (OutOfMemoryError) would otherwise be logged by Vert.x and the chunk dropped,
        // leaving a valid-looking reply with a hole in it.
        p.tryFail(unbufferable(t));
      }
    });
    resp.endHandler(v -> {
      responseEnded();
      if (p.future().isComplete()) {
        return;
      }
      try {
        if (acc != null) {
          p.tryComplete(acc);
          return;
        }
        Buffer whole = Buffer.buffer((int) received[0]);
        chunks.forEach(whole::appendBuffer);
        chunks.clear();
        p.tryComplete(whole);
      } catch (Throwable t) {
        p.tryFail(unbufferable(t));
      }
    });
    resp.exceptionHandler(t -> {
      responseEnded();
      p.tryFail(t);
    });
    return p.future();
  }

  private UpstreamFailure unbufferable(Throwable t) {
    return Failures.buffersFull(provider.id(), t instanceof OutOfMemoryError ? "the gateway ran out of memory"
        : "the reply could not be buffered");
  }

  /** The declared Content-Length, or -1 when absent or unreadable (chunked replies). */
  private static long contentLength(HttpClientResponse resp) {
    String value = resp.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private boolean reserve(long bytes) {
    if (!buffers.tryReserve(bytes)) {
      return false;
    }
    reservedBytes += bytes;
    return true;
  }

  private void releaseBuffers() {
    if (reservedBytes > 0) {
      buffers.release(reservedBytes);
      reservedBytes = 0;
    }
  }

  private void relayStream(HttpClientResponse resp) {
    StreamTranslator translator = provider.adapter().streamTranslator(request);
    SseParser parser = new SseParser(MAX_EVENT_BYTES, event -> {
      if (done) {
        return;
      }
      translator.onEvent(event, payload -> {
        if (!reply.committed()) {
          if (!translator.emittedContent() && (held == null || held.size() < MAX_HELD_EVENTS)) {
            // Preamble (a role-only chunk): hold it, so a failure before real content is still a clean HTTP error.
            if (held == null) {
              held = new ArrayList<>(2);
            }
            held.add(payload);
            return;
          }
          commitStream();
        }
        reply.writeEvent(payload);
      });
    });
    resp.handler(chunk -> {
      if (done) {
        return;
      }
      touch();
      try {
        parser.feed(chunk);
      } catch (IllegalStateException e) {
        fail(Failures.brokenReply(provider.id(), e.getMessage()));
        return;
      }
      if (checkStream(translator)) {
        return;
      }
      keepPace(resp);
    });
    resp.endHandler(v -> {
      responseEnded();
      if (done) {
        return;
      }
      try {
        parser.finish();
      } catch (IllegalStateException e) {
        fail(Failures.brokenReply(provider.id(), e.getMessage()));
        return;
      }
      if (!checkStream(translator)) {
        fail(Failures.streamCut(provider.id()));
      }
    });
    resp.exceptionHandler(this::onBodyBroken);
  }

  /** The commit point of a stream: headers go out, then whatever preamble was held back. */
  private void commitStream() {
    provider.stats().firstToken(nanoClock.getAsLong() - startNanos);
    reply.startStream();
    if (held != null) {
      held.forEach(reply::writeEvent);
      held = null;
    }
  }

  /** Acts on the translator's state after new events; true when the stream is over. */
  private boolean checkStream(StreamTranslator translator) {
    if (done) {
      return true;
    }
    reply.usage(translator.usage());
    UpstreamError error = translator.error();
    if (error != null) {
      fail(Failures.streamError(provider.id(), error));
      return true;
    }
    if (translator.done()) {
      if (!reply.committed()) {
        commitStream();
      }
      reply.endStream(null);
      succeed();
      return true;
    }
    return false;
  }

  private void relayRaw(HttpClientResponse resp, int status, String contentType) {
    reply.startRaw(status, contentType);
    resp.handler(chunk -> {
      if (done) {
        return;
      }
      touch();
      reply.writeRaw(chunk);
      keepPace(resp);
    });
    resp.endHandler(v -> {
      responseEnded();
      if (!done) {
        reply.endRaw();
        succeed();
      }
    });
    resp.exceptionHandler(this::onBodyBroken);
  }

  /**
   * When the client reads slower than the provider writes, stop reading upstream until it catches up, so the
   * gateway never holds more than a socket buffer of a reply.
   */
  private void keepPace(HttpClientResponse resp) {
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

  /** The upstream body broke off (reset, close). The response is over either way: a lingering attempt leaves too. */
  private void onBodyBroken(Throwable cause) {
    responseEnded();
    fail(Failures.streamCut(provider.id()));
  }

  private void responseEnded() {
    responseEnded = true;
    if (lingering) {
      lingering = false;
      watchdog.remove(this);
    }
  }

  // ---- timers --------------------------------------------------------------------------------------------------

  private void touch() {
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

  private void succeed() {
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
    reply.onCancel(null);
    provider.stats().succeeded(nanoClock.getAsLong() - startNanos);
    promise.tryComplete();
  }

  private void fail(UpstreamFailure unsafe) {
    if (done) {
      return;
    }
    done = true;
    // From here the texts go to the client, the failover event and the logs.
    UpstreamFailure failure = UpstreamText.clean(unsafe, provider);
    this.failure = failure;
    releaseBuffers();
    watchdog.remove(this);
    reply.onCancel(null);
    abortUpstream();
    if (failure.kind().providerFault()) {
      provider.stats().failed();
    } else {
      provider.stats().neutral(failure.kind().answered());
    }
    if (headRecorded) {
      reply.amendLastAttempt(provider.id(), failure.label());
    } else {
      reply.attempt(provider.id(), failure.label());
    }
    if (reply.committed()) {
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

  private void cancel() {
    if (done) {
      return;
    }
    done = true;
    releaseBuffers();
    watchdog.remove(this);
    abortUpstream();
    provider.stats().neutral(false);
    promise.tryFail(new ClientGone());
  }

  private void abortUpstream() {
    // A fully read response leaves a healthy keep-alive connection: resetting it would only cost a reconnect.
    if (upstreamRequest != null && !responseEnded) {
      upstreamRequest.reset();
    }
  }
}
