package dev.switchboard.logging;

import dev.switchboard.api.Exchange;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestStage;
import dev.switchboard.config.PayloadLogConfig;
import dev.switchboard.config.PayloadMode;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Picks the requests whose bodies the payload log keeps (by the mode for their key and model; one in N by a shared
 * counter for {@code sampled:N}) and taps their replies with a {@link PayloadCapture}. Runs after validation, so the
 * key and model are known; requests refused earlier (authentication, malformed JSON) are not payload-logged.
 * Thread-safe: the counter is the only state, shared by every instance.
 */
public final class PayloadStage implements RequestStage {
  private final PayloadLogConfig config;
  private final AtomicLong sampled = new AtomicLong();

  public PayloadStage(PayloadLogConfig config) {
    this.config = config;
  }

  @Override
  public void handle(Exchange exchange) {
    GatewayRequest request = exchange.request();
    PayloadMode mode = request == null ? PayloadMode.OFF : config.modeFor(exchange.clientKey(), request.model());
    boolean capture = switch (mode.kind()) {
      case OFF -> false;
      case ERRORS, ALL -> true;
      case SAMPLED -> sampled.getAndIncrement() % mode.every() == 0;
    };
    if (capture) {
      exchange.reply().tap(new PayloadCapture(mode.kind() == PayloadMode.Kind.ERRORS, config.maxBytes()));
    }
    exchange.next();
  }
}
