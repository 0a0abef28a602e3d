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
    chain.execute(exchange.request(), exchange.route(), exchange.reply());
  }
}
