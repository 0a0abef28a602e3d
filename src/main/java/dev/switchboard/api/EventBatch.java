package dev.switchboard.api;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * The framed events of a stream gathered for one write. The flush runs as the next task on the event loop, after the
 * whole upstream read that produced them has been processed: all events of one read cost one write, and none waits
 * longer than that read's processing. Used only from the reply's event loop.
 */
final class EventBatch {
  private final HttpServerResponse response;
  private final Context context;
  private final Handler<Void> flushTask = v -> flush();
  private boolean scheduled;
  private Buffer pending;

  EventBatch(HttpServerResponse response, Context context) {
    this.response = response;
    this.context = context;
  }

  void add(Buffer frame) {
    if (pending == null) {
      pending = frame;
      if (!scheduled) {
        scheduled = true;
        context.runOnContext(flushTask);
      }
    } else {
      pending.appendBuffer(frame);
    }
  }

  /** Writes what is gathered at once when it has reached {@code bytes}: a full queue is then seen sooner. */
  void flushIfOver(int bytes) {
    if (pending != null && pending.length() >= bytes) {
      write();
    }
  }

  /** Hands over what is gathered (for the stream's last write), or null; nothing is written for it later. */
  Buffer take() {
    Buffer p = pending;
    pending = null;
    return p;
  }

  private void flush() {
    scheduled = false;
    write();
  }

  private void write() {
    Buffer p = take();
    if (p != null) {
      response.write(p);
    }
  }
}
