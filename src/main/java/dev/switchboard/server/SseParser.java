package dev.switchboard.server;

import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Incremental parser for a text/event-stream body that arrives in arbitrary chunks: a line or an event may span
 * chunks. Handles LF and CRLF, multi-line data, comments, and refuses events above a size cap so a broken
 * upstream cannot make the gateway buffer without bound.
 */
public final class SseParser {
  private final Consumer<SseEvent> sink;
  private final int maxEventBytes;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private StringBuilder data;
  private String eventName;
  private int eventBytes;
  private boolean skipLf;

  public SseParser(int maxEventBytes, Consumer<SseEvent> sink) {
    this.maxEventBytes = maxEventBytes;
    this.sink = sink;
  }

  /** Feeds a chunk; dispatches every event it completes. Throws {@link IllegalStateException} past the cap. */
  public void feed(Buffer chunk) {
    byte[] bytes = chunk.getBytes();
    int start = 0;
    for (int i = 0; i < bytes.length; i++) {
      byte b = bytes[i];
      if (skipLf) {
        skipLf = false;
        if (b == '\n') {
          start = i + 1;
          continue;
        }
      }
      if (b == '\n' || b == '\r') {
        line.write(bytes, start, i - start);
        endLine();
        skipLf = b == '\r';
        start = i + 1;
      }
    }
    if (start < bytes.length) {
      line.write(bytes, start, bytes.length - start);
      if (line.size() + eventBytes > maxEventBytes) {
        throw new IllegalStateException("stream event larger than " + maxEventBytes + " bytes");
      }
    }
  }

  /** True when bytes of an unfinished event are pending (the stream stopped mid-event). */
  public boolean hasPartialEvent() {
    return line.size() > 0 || data != null;
  }

  /** At end of stream an event not followed by a blank line is still dispatched, as browsers do. */
  public void finish() {
    if (line.size() > 0) {
      endLine();
    }
    dispatch();
  }

  private void endLine() {
    int size = line.size();
    if (size == 0) {
      dispatch();
      return;
    }
    eventBytes += size;
    if (eventBytes > maxEventBytes) {
      throw new IllegalStateException("stream event larger than " + maxEventBytes + " bytes");
    }
    String text = line.toString(StandardCharsets.UTF_8);
    line.reset();
    if (text.charAt(0) == ':') {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (field.equals("data")) {
      if (data == null) {
        data = new StringBuilder(value);
      } else {
        data.append('\n').append(value);
      }
    } else if (field.equals("event")) {
      eventName = value;
    }
  }

  private void dispatch() {
    if (data != null) {
      sink.accept(new SseEvent(eventName, data.toString()));
    }
    data = null;
    eventName = null;
    eventBytes = 0;
  }
}
