package dev.switchboard.api;

import io.vertx.core.buffer.Buffer;

/** The SSE wire framing of the events a {@link ClientReply} writes. */
final class SseFraming {
  private static final Buffer DATA = Buffer.buffer("data: ");
  private static final Buffer EVENT_END = Buffer.buffer("\n\n");

  private SseFraming() {
  }

  /**
   * Frames one payload as one SSE event. A payload spanning lines (an upstream event sent over several
   * {@code data:} lines, which the parser joins with "\n") gets a {@code data: } prefix on every line: a bare line
   * would otherwise be read by clients as an unknown field and dropped, truncating the event.
   */
  static Buffer frame(Buffer payload) {
    int len = payload.length();
    // The usual payload is one line: one forEachByte finds that without a bounds check per byte.
    io.netty.buffer.ByteBuf bytes = ((io.vertx.core.internal.buffer.BufferInternal) payload).getByteBuf();
    int breaks = 0;
    int from = 0;
    while (from < len) {
      int at = bytes.forEachByte(from, len - from, io.netty.util.ByteProcessor.FIND_CRLF);
      if (at < 0) {
        break;
      }
      breaks++;
      from = at + 1;
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
}
