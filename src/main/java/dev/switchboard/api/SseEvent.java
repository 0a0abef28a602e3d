package dev.switchboard.api;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One server-sent event: the optional {@code event:} name and the joined {@code data:} lines. The data stays as the
 * bytes the upstream sent, so relaying an event needs no decoding or re-encoding; {@link #data()} decodes on demand.
 */
public final class SseEvent {
  private static final Buffer DONE = Buffer.buffer("[DONE]");
  private final String event;
  private final Buffer data;

  public SseEvent(String event, Buffer data) {
    this.event = event;
    this.data = data;
  }

  public SseEvent(String event, String data) {
    this(event, Buffer.buffer(data.getBytes(StandardCharsets.UTF_8)));
  }

  public String event() {
    return event;
  }

  public Buffer buffer() {
    return data;
  }

  public String data() {
    return data.toString(StandardCharsets.UTF_8);
  }

  /**
   * The event as it goes on the wire again: its {@code event:} line when it has a name, its data over as many
   * {@code data:} lines as it spans, and the blank line that ends it.
   */
  public Buffer framed() {
    Buffer data = SseFraming.frame(this.data);
    if (event == null) {
      return data;
    }
    byte[] name = event.getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer(name.length + 8 + data.length()).appendString("event: ").appendBytes(name)
        .appendByte((byte) '\n').appendBuffer(data);
  }

  public boolean isDone() {
    return data.length() == DONE.length() && data.equals(DONE);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SseEvent other && Objects.equals(event, other.event) && data.equals(other.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(event, data);
  }

  @Override
  public String toString() {
    return "SseEvent[event=" + event + ", data=" + data() + "]";
  }
}
