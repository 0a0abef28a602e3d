package dev.switchboard.api;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Incremental parser for a text/event-stream body that arrives in arbitrary chunks: a line or an event may span
 * chunks. Handles LF, CR and CRLF, multi-line data, comments, and refuses events above a size cap so a broken
 * upstream cannot make the gateway buffer without bound.
 *
 * <p>Lines complete within one chunk are slices of it, not copies: the common case (whole events per read) costs
 * no copying at all. Only a line or event that spans reads is copied, once.
 */
public final class SseParser {
  private final Consumer<SseEvent> sink;
  private final int maxEventBytes;
  /** Unfinished line carried over from the previous chunk. */
  private Buffer partial;
  private Buffer data;
  /** Whether {@link #data} is a slice of the current chunk (and must be copied before it is appended to or kept). */
  private boolean dataShared;
  private String eventName;
  private int eventBytes;
  private boolean skipLf;

  public SseParser(int maxEventBytes, Consumer<SseEvent> sink) {
    this.maxEventBytes = maxEventBytes;
    this.sink = sink;
  }

  /** Feeds a chunk; dispatches every event it completes. Throws {@link IllegalStateException} past the cap. */
  public void feed(Buffer chunk) {
    int len = chunk.length();
    ByteBuf bytes = ByteBufs.of(chunk);
    int base = bytes.readerIndex();
    // A heap read (the usual case) is searched in its array, eight bytes at a time: far cheaper per byte than
    // ByteBuf.forEachByte through a slice, or Buffer.getByte with its two bounds checks.
    byte[] array = bytes.hasArray() ? bytes.array() : null;
    int arrayBase = array == null ? 0 : bytes.arrayOffset() + base;
    int start = 0;
    if (skipLf && len > 0) {
      skipLf = false;
      if (bytes.getByte(base) == '\n') {
        start = 1;
      }
    }
    while (start < len) {
      int end = array != null ? ByteScan.lineBreak(array, arrayBase + start, arrayBase + len)
          : bytes.forEachByte(base + start, len - start, ByteProcessor.FIND_CRLF);
      if (end < 0) {
        break;
      }
      int i = end - (array != null ? arrayBase : base);
      byte b = bytes.getByte(base + i);
      if (partial != null) {
        Buffer line = partial.appendBuffer(chunk, start, i - start);
        partial = null;
        endLine(line, 0, line.length());
      } else {
        endLine(chunk, start, i);
      }
      start = i + 1;
      if (b == '\r') {
        if (start < len) {
          if (bytes.getByte(base + start) == '\n') {
            start++;
          }
        } else {
          skipLf = true;
        }
      }
    }
    if (start < len) {
      if (partial == null) {
        partial = Buffer.buffer(Math.max(64, len - start));
      }
      partial.appendBuffer(chunk, start, len - start);
      if (partial.length() + eventBytes > maxEventBytes) {
        throw new IllegalStateException("stream event larger than " + maxEventBytes + " bytes");
      }
    }
    if (dataShared) {
      // The event continues in the next chunk: keep its data independent of this chunk's buffer.
      data = data.copy();
      dataShared = false;
    }
  }

  /** True when bytes of an unfinished event are pending (the stream stopped mid-event). */
  public boolean hasPartialEvent() {
    return (partial != null && partial.length() > 0) || data != null;
  }

  /** At end of stream an event not followed by a blank line is still dispatched, as browsers do. */
  public void finish() {
    if (partial != null && partial.length() > 0) {
      Buffer line = partial;
      partial = null;
      endLine(line, 0, line.length());
    }
    dispatch();
  }

  /** The line spanning {@code [from, to)} of {@code buf}, without its line end. */
  private void endLine(Buffer buf, int from, int to) {
    int size = to - from;
    if (size == 0) {
      dispatch();
      return;
    }
    eventBytes += size;
    if (eventBytes > maxEventBytes) {
      throw new IllegalStateException("stream event larger than " + maxEventBytes + " bytes");
    }
    if (buf.getByte(from) == ':') {
      return;
    }
    int colon = -1;
    for (int i = from; i < to; i++) {
      if (buf.getByte(i) == ':') {
        colon = i;
        break;
      }
    }
    int fieldEnd = colon < 0 ? to : colon;
    int valueStart = colon < 0 ? to : colon + 1;
    if (valueStart < to && buf.getByte(valueStart) == ' ') {
      valueStart++;
    }
    if (is(buf, from, fieldEnd, "data")) {
      Buffer value = buf.slice(valueStart, to);
      if (data == null) {
        data = value;
        dataShared = true;
      } else {
        if (dataShared) {
          data = data.copy();
          dataShared = false;
        }
        data.appendByte((byte) '\n').appendBuffer(value);
      }
    } else if (is(buf, from, fieldEnd, "event")) {
      eventName = buf.getString(valueStart, to, StandardCharsets.UTF_8.name());
    }
  }

  private static boolean is(Buffer line, int from, int fieldEnd, String name) {
    if (fieldEnd - from != name.length()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (line.getByte(from + i) != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private void dispatch() {
    if (data != null) {
      Buffer d = data;
      String name = eventName;
      data = null;
      dataShared = false;
      eventName = null;
      eventBytes = 0;
      sink.accept(new SseEvent(name, d));
      return;
    }
    eventName = null;
    eventBytes = 0;
  }
}
