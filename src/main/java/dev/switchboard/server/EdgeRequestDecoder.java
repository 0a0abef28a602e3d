package dev.switchboard.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.VertxHttpRequestDecoder;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * Vert.x's HTTP/1 request decoder, except that a request carrying both {@code Content-Length} and
 * {@code Transfer-Encoding: chunked} is marked invalid instead of silently read as chunked: the two framings disagree
 * about where the request ends, which is how requests are smuggled past a proxy in front (RFC 9112 §6.1). An invalid
 * request goes to the server's invalid-request handler, which answers 400 and closes the connection, so the bytes
 * after it are never read as a second request.
 *
 * <p>It also notes when the head of the request being received began (its first byte, or the connection's start), so
 * {@link ClientConnections} can hold the client to {@code server.header_timeout} without timing an idle keep-alive
 * connection. Runs on the connection's event loop.
 */
final class EdgeRequestDecoder extends VertxHttpRequestDecoder {

  /** Why a request was refused before it reached the router. */
  static final class AmbiguousFraming extends RuntimeException {
    AmbiguousFraming() {
      super("The request has both Content-Length and Transfer-Encoding; send only one of them.", null, false, false);
    }
  }

  private final LongSupplier nanoClock;
  /** When the head now being received began; -1 while none is (idle, or reading a body). */
  private long headStartedNanos;
  private boolean inBody;

  EdgeRequestDecoder(HttpServerOptions options, LongSupplier nanoClock, long connectedNanos) {
    super(options);
    this.nanoClock = nanoClock;
    this.headStartedNanos = connectedNanos;
  }

  long headStartedNanos() {
    return headStartedNanos;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
    if (headStartedNanos < 0 && !inBody && buffer.isReadable()) {
      headStartedNanos = nanoClock.getAsLong();
    }
    int before = out.size();
    super.decode(ctx, buffer, out);
    for (int i = before; i < out.size(); i++) {
      Object decoded = out.get(i);
      if (decoded instanceof HttpRequest) {
        headStartedNanos = -1;
        inBody = true;
      }
      if (decoded instanceof LastHttpContent) {
        inBody = false;
      }
    }
  }

  @Override
  protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
    super.handleTransferEncodingChunkedWithContentLength(message);
    message.setDecoderResult(DecoderResult.failure(new AmbiguousFraming()));
  }
}
