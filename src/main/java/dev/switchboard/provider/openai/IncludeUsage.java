package dev.switchboard.provider.openai;

import dev.switchboard.api.GatewayRequest;
import io.vertx.core.buffer.Buffer;

/**
 * Adds {@code "stream_options":{"include_usage":true}} to a client's stream request by splicing it into the bytes
 * the client sent, before the body's closing brace: the upstream gets the client's body with only that member
 * added, and no request pays a parse-tree copy and a re-serialisation for it. Only for a body without
 * {@code stream_options} (else the member is merged the long way).
 */
final class IncludeUsage {
  private static final byte[] MEMBER = ",\"stream_options\":{\"include_usage\":true}".getBytes();

  private IncludeUsage() {
  }

  /** The client's raw body with the member added, or null when the body needs the long way. */
  static Buffer spliced(GatewayRequest request) {
    Buffer raw = request.rawBody();
    if (raw == null || request.body().containsKey("stream_options") || request.body().isEmpty()) {
      return null;
    }
    int close = raw.length() - 1;
    while (close >= 0 && isBlank(raw.getByte(close))) {
      close--;
    }
    if (close < 0 || raw.getByte(close) != '}') {
      return null;
    }
    return Buffer.buffer(raw.length() + MEMBER.length).appendBuffer(raw, 0, close).appendBytes(MEMBER)
        .appendBuffer(raw, close, raw.length() - close);
  }

  private static boolean isBlank(byte c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
  }
}
