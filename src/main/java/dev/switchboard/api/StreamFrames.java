package dev.switchboard.api;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * A committed stream's frames on their way out: each chat-completions payload framed as SSE, or as the client's own
 * front end's events ({@link WireFormat}), gathered into one write per upstream read ({@link EventBatch}), and the
 * stream's last write with its closing frames. Used only from the reply's event loop.
 */
final class StreamFrames {
  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  private final HttpServerResponse response;
  private final Context context;
  /** The stream's events waiting for their write; made with the first event. */
  private EventBatch batch;

  /** @param context the reply's event loop, or null outside one (then every frame is written at once) */
  StreamFrames(HttpServerResponse response, Context context) {
    this.response = response;
    this.context = context;
  }

  /** Frames one payload and writes it with the others of this read; a payload the front end drops writes nothing. */
  void write(Buffer payload, WireFormat format) {
    if (context == null) {
      Buffer frame;
      if (format == null) {
        frame = SseFraming.frame(payload);
      } else {
        frame = Buffer.buffer(payload.length() * 2 + 64);
        format.event(payload, frame);
      }
      if (frame.length() > 0) {
        response.write(frame);
      }
      return;
    }
    // Framed straight into the read's batch: the payload's bytes are copied once, from the upstream's read.
    EventBatch batch = batch();
    Buffer out = batch.target(payload.length() + 16);
    if (format == null) {
      SseFraming.frameInto(payload, out);
    } else {
      format.event(payload, out);
    }
    batch.appended();
  }

  /** The upstream read about to be relayed has {@code bytes} bytes: sizes the buffer its frames are gathered in. */
  void expect(int bytes) {
    if (context != null) {
      batch().expect(bytes);
    }
  }

  private EventBatch batch() {
    if (batch == null) {
      batch = new EventBatch(response, context);
    }
    return batch;
  }

  /** An SSE comment every parser skips ({@code : text}), written with the events of this read. */
  void comment(String text) {
    Buffer frame = Buffer.buffer(": " + text + "\n\n");
    send(frame);
  }

  /** Out now outside an event loop; otherwise with the rest of this read's frames. */
  private void send(Buffer frame) {
    if (context == null) {
      response.write(frame);
      return;
    }
    batch().add(frame);
  }

  /**
   * The stream's last write: what is still gathered, then an in-band error event when the stream failed and always
   * [DONE] — or the front end's own closing events (its streams have no [DONE]).
   */
  Buffer last(ApiError inBandError, Usage usage, WireFormat format, String cost) {
    Buffer gathered = batch == null ? null : batch.take();
    Buffer last = gathered != null ? gathered : Buffer.buffer(DONE.length() + 8);
    if (cost != null) {
      // A comment every SSE parser skips: the stream's price, known only once its final usage chunk arrived.
      last.appendString(": x-switchboard-cost " + cost + "\n\n");
    }
    if (format != null) {
      // The front end's own closing events (or its in-band failure); its streams have no [DONE].
      format.end(inBandError, usage, last);
    } else {
      if (inBandError != null) {
        SseFraming.frameInto(inBandError.toJson().toBuffer(), last);
      }
      last.appendBuffer(DONE);
    }
    return last;
  }

  /** Writes what is gathered at once when it has passed {@code bytes}, so a full queue is seen sooner. */
  void flushIfOver(int bytes) {
    if (batch != null) {
      batch.flushIfOver(bytes);
    }
  }

  /** The reply ended: whatever is still gathered can no longer go out. */
  void discard() {
    if (batch != null) {
      batch.take();
    }
  }
}
