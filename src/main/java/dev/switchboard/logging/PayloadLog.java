package dev.switchboard.logging;

import dev.switchboard.api.FinishListener;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestOutcome;
import io.vertx.core.buffer.Buffer;

/**
 * Hands the captured bodies of a finished request to the {@link PayloadWriter}: all of them, or for {@code errors}
 * only those that failed (an error status, or an error sent in-band on a stream). Copies nothing here, on the event loop; redaction and writing happen on the writer's thread.
 */
public final class PayloadLog implements FinishListener {
  private final PayloadWriter writer;

  public PayloadLog(PayloadWriter writer) {
    this.writer = writer;
  }

  @Override
  public void finished(RequestOutcome outcome) {
    PayloadCapture capture = outcome.tap() == null ? null : outcome.tap().find(PayloadCapture.class);
    if (capture == null) {
      return;
    }
    boolean failed = outcome.status() >= 400 || outcome.error() != null;
    if (capture.errorsOnly() && !failed) {
      return;
    }
    GatewayRequest req = outcome.request();
    // The request already holds its body for the request's life: no copy here; the writer bounds what it keeps.
    Buffer request = req == null || req.rawBody() == null ? Buffer.buffer() : req.rawBody();
    writer.offer(new PayloadRecord(outcome.requestId(), outcome.clientKey(), req == null ? null : req.model(),
        outcome.provider(), outcome.status(), outcome.error() == null ? null : outcome.error().code(),
        capture.stream(), request, capture.bytes(), capture.truncated()));
  }
}
