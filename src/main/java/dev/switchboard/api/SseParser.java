package dev.switchboard.api;

import io.netty.buffer.ByteBuf;
import io.netty.util.ByteProcessor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

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
    // Netty's forEachByte finds the line ends without a bounds check per byte (Buffer.getByte has two).
    ByteBuf bytes = ((BufferInternal) chunk).getByteBuf();
    int start = 0;
    if (skipLf && len > 0) {
      skipLf = false;
      if (bytes.getByte(bytes.readerIndex()) == '\n') {
        start = 1;
      }
    }
    while (start < len) {
      int end = bytes.forEachByte(bytes.readerIndex() + start, len - start, ByteProcessor.FIND_CRLF);
      if (end < 0) {
        break;
      }
      int i = end - bytes.readerIndex();
      byte b = bytes.getByte(end);
      Buffer line;
      if (partial != null) {
        line = partial.appendBuffer(chunk, start, i - start);
        partial = null;
      } else {
        line = chunk.slice(start, i);
      }
      endLine(line);
      start = i + 1;
      if (b == '\r') {
        if (start < len) {
          if (bytes.getByte(bytes.readerIndex() + start) == '\n') {
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
      endLine(line);
    }
    dispatch();
  }

  private void endLine(Buffer line) {
    int size = line.length();
    if (size == 0) {
      dispatch();
      return;
    }
    eventBytes += size;
    if (eventBytes > maxEventBytes) {
      throw new IllegalStateException("stream event larger than " + maxEventBytes + " bytes");
    }
    if (line.getByte(0) == ':') {
      return;
    }
    int colon = -1;
    for (int i = 0; i < size; i++) {
      if (line.getByte(i) == ':') {
        colon = i;
        break;
      }
    }
    int fieldEnd = colon < 0 ? size : colon;
    int valueStart = colon < 0 ? size : colon + 1;
    if (valueStart < size && line.getByte(valueStart) == ' ') {
      valueStart++;
    }
    if (is(line, fieldEnd, "data")) {
      Buffer value = line.slice(valueStart, size);
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
    } else if (is(line, fieldEnd, "event")) {
      eventName = line.getString(valueStart, size, StandardCharsets.UTF_8.name());
    }
  }

  private static boolean is(Buffer line, int fieldEnd, String name) {
    if (fieldEnd != name.length()) {
      return false;
    }
    for (int i = 0; i < fieldEnd; i++) {
      if (line.getByte(i) != name.charAt(i)) {
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
