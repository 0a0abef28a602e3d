package dev.switchboard.logging;

import dev.switchboard.api.ReplyTap;
import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;

/**
 * What one reply sent, kept for the payload log: the JSON body, or the raw stream events (newline-separated), assembled
 * into text later on the writer thread. Bounded: a JSON body to {@code maxBytes}, raw events to four times that (their
 * framing dwarfs the text they carry); past that the capture only notes it was cut. Confined to the request's event
 * loop until the finish listener hands it over.
 */
final class PayloadCapture implements ReplyTap {
  private final boolean errorsOnly;
  private final int maxBytes;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private boolean stream;
  private boolean truncated;

  PayloadCapture(boolean errorsOnly, int maxBytes) {
    this.errorsOnly = errorsOnly;
    this.maxBytes = maxBytes;
  }

  @Override
  public void json(int status, String contentType, Buffer body) {
    append(body, maxBytes);
  }

  @Override
  public void event(Buffer payload) {
    stream = true;
    append(payload, 4 * maxBytes);
    if (!truncated) {
      bytes.write('\n');
    }
  }

  private void append(Buffer b, int limit) {
    int room = limit - bytes.size();
    if (b.length() > room) {
      truncated = true;
    }
    if (room > 0) {
      bytes.write(b.getBytes(0, Math.min(room, b.length())), 0, Math.min(room, b.length()));
    }
  }

  boolean errorsOnly() {
    return errorsOnly;
  }

  boolean stream() {
    return stream;
  }

  boolean truncated() {
    return truncated;
  }

  byte[] bytes() {
    return bytes.toByteArray();
  }
}
