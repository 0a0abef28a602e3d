package dev.switchboard.api;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * The framed events of a stream gathered for one write. The flush runs as the next task on the event loop, after the
 * whole upstream read that produced them has been processed: all events of one read cost one write, and none waits
 * longer than that read's processing. Frames are appended straight into the gathering buffer ({@link #target}), which
 * is sized for the read that fills it ({@link #expect}), so an event's bytes are copied once on their way out and
 * the buffer seldom grows. Used only from the reply's event loop.
 */
final class EventBatch {
  /** Room for the stream's closing frames ([DONE], the cost comment) besides the events of a read. */
  private static final int SLACK_BYTES = 128;
  private final HttpServerResponse response;
  private final Context context;
  private final Handler<Void> flushTask = v -> flush();
  private boolean scheduled;
  private Buffer pending;
  /** The size of the upstream read being relayed, for the next gathering buffer; 0 when unknown. */
  private int expectBytes;

  EventBatch(HttpServerResponse response, Context context) {
    this.response = response;
    this.context = context;
  }

  /** The upstream read about to be relayed has {@code bytes} bytes: the frames it makes will be about as many. */
  void expect(int bytes) {
    expectBytes = bytes;
  }

  /**
   * The buffer to append this read's frames to, with room for at least {@code bytes} more when it is new; call
   * {@link #appended} after appending.
   */
  Buffer target(int bytes) {
    if (pending == null) {
      pending = Buffer.buffer(Math.max(bytes, expectBytes) + SLACK_BYTES);
    }
    return pending;
  }

  /** Frames were appended to {@link #target}: their write is due after this read (scheduled once per read). */
  void appended() {
    if (!scheduled && pending != null && pending.length() > 0) {
      scheduled = true;
      context.runOnContext(flushTask);
    }
  }

  void add(Buffer frame) {
    target(frame.length()).appendBuffer(frame);
    appended();
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
    if (p != null && p.length() > 0) {
      response.write(p);
    }
  }
}
