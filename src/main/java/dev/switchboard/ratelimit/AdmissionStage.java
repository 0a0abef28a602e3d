package dev.switchboard.ratelimit;

import dev.switchboard.api.LogScope;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.ClientReply;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestStage;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Admits the request against its client key's rate limits (possibly after waiting in the key's queue): 429 with
 * {@code Retry-After} and {@code x-ratelimit-*} when refused. An admitted request carries its token estimate on, and
 * {@link KeySettlement} settles it against the real usage when the reply finishes.
 */
public final class AdmissionStage implements RequestStage {
  private static final Logger LOG = Logger.getLogger(AdmissionStage.class.getName());
  private final RateLimiter limiter;

  public AdmissionStage(RateLimiter limiter) {
    this.limiter = limiter;
  }

  @Override
  public void handle(Exchange exchange) {
    GatewayRequest request = exchange.request();
    limiter.admit(request, exchange.headers().get("x-switchboard-priority"), exchange.context())
        .onComplete(ar -> {
          if (ar.failed()) {
            try (var scope = LogScope.request(exchange.requestId(), exchange.headers().get("traceparent"))) {
              LOG.log(Level.SEVERE, "rate limiter failed for request " + exchange.requestId(), ar.cause());
            }
            exchange.reply().sendError(ApiError.server("Switchboard failed to check the rate limit; see the gateway "
                + "log for request " + exchange.requestId() + "."), -1);
            return;
          }
          admitted(exchange, request, ar.result());
        });
  }

  private void admitted(Exchange exchange, GatewayRequest request, RateLimiter.Admission admission) {
    ClientReply reply = exchange.reply();
    reply.extraHeaders(admission.headers());
    if (!admission.admitted()) {
      reply.sendError(admission.error(), admission.retryAfterMillis());
      return;
    }
    if (reply.finished()) {
      // It left (or was ended for shutdown) while queued: nothing may go upstream, and its outcome went out without
      // an admission. The key gets its tokens and its request slot back here.
      limiter.settleKey(request.clientKey(), admission.estimate(), reply.usageReported(), false);
      limiter.releaseKey(request.clientKey());
      return;
    }
    reply.books().admitted(admission.estimate());
    exchange.request(request.withTokenEstimate(admission.estimate()));
    exchange.next();
  }
}
