package dev.switchboard.server;

import dev.switchboard.api.ApiError;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The answers the HTTP edge gives before (or instead of) the router: refused connections, requests whose head or
 * framing is unusable, clients too slow to send a request. All in OpenAI's error shape and all ending the
 * connection, since after any of them the gateway cannot trust where the next request would start.
 */
final class EdgeReplies {
  private EdgeReplies() {
  }

  /** The error for a request the decoder could not read (Vert.x's invalid-request handler). */
  static ApiError invalidRequest(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return new ApiError(414, ApiError.INVALID_REQUEST, "The request line (method and URL) is longer than the "
          + "gateway accepts.", null, "url_too_long");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return new ApiError(431, ApiError.INVALID_REQUEST, "The request headers are larger than the gateway accepts.",
          null, "headers_too_large");
    }
    if (cause instanceof EdgeRequestDecoder.AmbiguousFraming) {
      return ApiError.invalid(cause.getMessage(), null, "ambiguous_framing");
    }
    if (cause instanceof TooLongFrameException) {
      return ApiError.invalid("A part of the request is larger than the gateway accepts.", null, "request_too_large");
    }
    return ApiError.invalid("The request is not valid HTTP/1.1" + (cause == null || cause.getMessage() == null ? "."
        : ": " + cause.getMessage()), null, "malformed_request");
  }

  /** The error for a body the decoder could not read (a chunk size that is not hex, too long, a broken chunk). */
  static ApiError malformedBody(Throwable cause) {
    return ApiError.invalid("The request body is not valid chunked encoding" + (cause.getMessage() == null ? "."
        : ": " + cause.getMessage()), null, "malformed_body");
  }

  /**
   * Why a request's {@code Transfer-Encoding} is refused, or null when it has none or just {@code chunked}, the only
   * coding the gateway decodes. Unknown codings are 501; {@code chunked} anywhere but last is 400 (RFC 9112 §6.1: the
   * length of such a body cannot be known).
   */
  static ApiError transferCodingRefusal(HttpServerRequest request) {
    String first = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
    if (first == null) {
      return null;  // the common case, without a list allocated per request
    }
    java.util.List<String> values = request.headers().getAll(HttpHeaders.TRANSFER_ENCODING);
    String[] codings = String.join(",", values).toLowerCase(Locale.ROOT).split(",");
    int chunked = 0;
    for (int i = 0; i < codings.length; i++) {
      String coding = codings[i].trim();
      if (coding.equals("chunked")) {
        chunked++;
        if (i != codings.length - 1 || chunked > 1) {
          return ApiError.invalid("Transfer-Encoding 'chunked' must be the last coding, and only once.", null,
              "invalid_transfer_encoding");
        }
      } else if (!coding.isEmpty()) {
        return new ApiError(501, ApiError.INVALID_REQUEST, "Transfer-Encoding '" + coding + "' is not supported; "
            + "send the body as is or with 'Transfer-Encoding: chunked' alone.", null, "unsupported_transfer_encoding");
      }
    }
    return chunked == 1 ? null : ApiError.invalid("Transfer-Encoding has no coding.", null, "invalid_transfer_encoding");
  }

  /** Answers through Vert.x's response (its head not written yet), then closes the connection. */
  static void sendAndClose(HttpServerRequest request, ApiError error) {
    HttpServerResponse response = request.response();
    Buffer body = error.toJson().toBuffer();
    response.setStatusCode(error.status())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE)
        .end(body)
        .onComplete(v -> request.connection().close());
  }

  /**
   * Writes a whole response straight to the socket and closes it, for when no Vert.x request exists to answer
   * (a connection refused at accept, a head that never finished). {@code decoder} is the HTTP decoder's context:
   * writing from it skips the response encoder, so the bytes go out as they are. The sending side is shut first and
   * the socket closed {@link #LINGER_MILLIS} later (or when the client closes): closing at once with the client's
   * unread request bytes in the buffer would make the kernel send a reset that can destroy the reply in transit.
   */
  static void writeRawAndClose(ChannelHandlerContext decoder, ApiError error) {
    byte[] body = error.toJson().encode().getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + error.status() + " " + HttpResponseStatus.valueOf(error.status()).reasonPhrase()
        + "\r\ncontent-type: application/json\r\ncontent-length: " + body.length + "\r\nconnection: close\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.ISO_8859_1);
    Channel channel = decoder.channel();
    decoder.writeAndFlush(Unpooled.wrappedBuffer(headBytes, body)).addListener(written -> {
      if (written.isSuccess() && channel instanceof DuplexChannel duplex) {
        duplex.shutdownOutput();
        channel.eventLoop().schedule(() -> channel.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
      } else {
        channel.close();
      }
    });
  }

  /** How long a connection answered with {@link #writeRawAndClose} may still deliver the client's bytes (discarded). */
  static final long LINGER_MILLIS = 1_000;
}
