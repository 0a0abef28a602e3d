package dev.switchboard.api;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import io.vertx.core.buffer.Buffer;

/** The SSE wire framing of the events a {@link ClientReply} writes. */
final class SseFraming {
  private static final byte[] DATA = {'d', 'a', 't', 'a', ':', ' '};
  private static final byte[] EVENT_END = {'\n', '\n'};

  private SseFraming() {
  }

  /** One payload framed as one SSE event, in a buffer of its own; see {@link #frameInto}. */
  static Buffer frame(Buffer payload) {
    Buffer frame = Buffer.buffer(payload.length() + 8 + 6 * 4);
    frameInto(payload, frame);
    return frame;
  }

  /**
   * Appends one payload framed as one SSE event to {@code out}. A payload spanning lines (an upstream event sent over
   * several {@code data:} lines, which the parser joins with "\n") gets a {@code data: } prefix on every line: a bare
   * line would otherwise be read by clients as an unknown field and dropped, truncating the event.
   */
  static void frameInto(Buffer payload, Buffer out) {
    if (!spansLines(payload)) {
      // The usual payload: one line, copied once.
      out.appendBytes(DATA).appendBuffer(payload).appendBytes(EVENT_END);
      return;
    }
    int len = payload.length();
    out.appendBytes(DATA);
    int start = 0;
    for (int i = 0; i < len; i++) {
      byte b = payload.getByte(i);
      if (b == '\n' || b == '\r') {
        out.appendBuffer(payload, start, i - start).appendByte((byte) '\n').appendBytes(DATA);
        if (b == '\r' && i + 1 < len && payload.getByte(i + 1) == '\n') {
          i++;
        }
        start = i + 1;
      }
    }
    out.appendBuffer(payload, start, len - start).appendBytes(EVENT_END);
  }

  /** Whether the payload holds a CR or LF, searched in the backing array eight bytes at a time. */
  private static boolean spansLines(Buffer payload) {
    ByteBuf buf = ByteBufs.of(payload);
    if (!buf.hasArray()) {
      return buf.forEachByte(buf.readerIndex(), buf.readableBytes(), ByteProcessor.FIND_CRLF) >= 0;
    }
    int from = buf.arrayOffset() + buf.readerIndex();
    return ByteScan.lineBreak(buf.array(), from, from + buf.readableBytes()) >= 0;
  }
}
