package dev.switchboard.routing;

import dev.switchboard.api.Exchange;
import dev.switchboard.api.RequestStage;

/** The last stage: the {@link FailoverChain} tries the route's targets and answers the reply, whatever happens. */
public final class RoutingStage implements RequestStage {
  private final FailoverChain chain;

  public RoutingStage(FailoverChain chain) {
    this.chain = chain;
  }

  @Override
  public void handle(Exchange exchange) {
    TailOptions tail;
    try {
      tail = TailOptions.of(exchange.headers());
    } catch (dev.switchboard.api.ApiException e) {
      exchange.reply().sendError(e.error(), -1);
      return;
    }
    chain.execute(exchange.request(), exchange.route(), exchange.reply(), tail);
  }
}
