package dev.switchboard.server;

import io.vertx.core.Handler;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;

/**
 * Reads the body of one proxied request into memory, bounded by {@code server.max_body_bytes}, with the rules
 * vertx-web's BodyHandler applied to these routes: a Content-Length over the limit is refused before a byte is read;
 * an upload that passes the limit (chunked or not) is refused as soon as it does and the rest of it is ignored; a
 * request with neither Content-Length nor Transfer-Encoding has no body (null); {@code Expect: 100-continue} is
 * answered. The slow-body deadline stays with {@link ClientConnections}. Runs on the request's event loop.
 */
final class BodyReader implements Handler<Buffer> {
  /** Room reserved up front at most; a bigger body grows its buffer as it arrives. */
  private static final int MAX_PREALLOCATED_BYTES = 65_536;
  /** Hears how the read ended, once (a failure may follow a refusal, as the client keeps going or goes away). */
  interface Receiver {
    /** The whole body; null when the request has none. */
    void received(Buffer body);

    /** The body is over the limit. */
    void tooLarge();

    /** The upload broke off: the client went away, or its framing was malformed. */
    void failed(Throwable cause);
  }

  private final Receiver receiver;
  private final long limit;
  /** The Content-Length, or -1: how much room a body arriving in pieces will need. */
  private final long declared;
  private Buffer body;
  /** Whether {@link #body} is this reader's own buffer rather than the first chunk. */
  private boolean owned;
  private long size;
  private boolean stopped;

  private BodyReader(Receiver receiver, long limit, long declared) {
    this.receiver = receiver;
    this.limit = limit;
    this.declared = declared;
  }

  /** @param limit the most bytes a body may have; -1 for no limit */
  static void read(HttpServerRequest request, long limit, Receiver receiver) {
    long declared = contentLength(request);
    if (declared == -1 && !request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      receiver.received(null);
      return;
    }
    if (limit != -1 && declared > limit) {
      receiver.tooLarge();
      return;
    }
    // ProxyPaths lets no other expectation through.
    if (request.getHeader(HttpHeaders.EXPECT) != null && request.version() != HttpVersion.HTTP_1_0) {
      request.response().writeContinue();
    }
    if (request.isEnded()) {
      receiver.failed(new VertxException("The request body was read before the body reader started.", true));
      return;
    }
    BodyReader reader = new BodyReader(receiver, limit, declared);
    request.exceptionHandler(reader::failed).handler(reader).endHandler(reader::end).resume();
  }

  @Override
  public void handle(Buffer chunk) {
    if (stopped) {
      return;
    }
    size += chunk.length();
    if (limit != -1 && size > limit) {
      stopped = true;
      body = null;
      receiver.tooLarge();
      return;
    }
    if (body == null) {
      // Each chunk is the connection's own copy (Vert.x hands out safe buffers), so a body that arrives in one piece
      // is used as it is, without the copy an accumulating buffer costs.
      body = chunk;
    } else {
      if (!owned) {
        body = Buffer.buffer((int) Math.min(Math.max(declared, 2 * size), MAX_PREALLOCATED_BYTES)).appendBuffer(body);
        owned = true;
      }
      body.appendBuffer(chunk);
    }
  }

  private void failed(Throwable cause) {
    stopped = true;
    body = null;
    receiver.failed(cause);
  }

  private void end(Void ignored) {
    if (stopped) {
      return;
    }
    stopped = true;
    Buffer whole = body;
    body = null;
    receiver.received(whole);
  }

  private static long contentLength(HttpServerRequest request) {
    String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (value == null || value.isEmpty()) {
      return -1;
    }
    try {
      long length = Long.parseLong(value);
      return length < 0 ? -1 : length;
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
