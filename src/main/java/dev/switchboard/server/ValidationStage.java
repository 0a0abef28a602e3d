package dev.switchboard.server;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestStage;
import dev.switchboard.routing.ModelCatalog;
import dev.switchboard.routing.Route;

/**
 * Parses the body once into a {@link GatewayRequest} (400 for what is malformed) and resolves its model to a
 * {@link Route} (404 for an unknown one). The endpoint is the one the front end named on the exchange.
 */
public final class ValidationStage implements RequestStage {
  private final RequestValidator validator;
  private final ModelCatalog catalog;

  public ValidationStage(RequestValidator validator, ModelCatalog catalog) {
    this.validator = validator;
    this.catalog = catalog;
  }

  @Override
  public void handle(Exchange exchange) {
    Endpoint endpoint = exchange.endpoint();
    GatewayRequest request;
    try {
      request = validator.parse(endpoint, exchange.body(), exchange.requestId(), exchange.clientKey(),
          exchange.headers().get("x-switchboard-provider"), exchange.headers().get("x-switchboard-strategy"),
          exchange.startNanos());
      request = RequirementsReader.read(request, exchange.headers());
      // Read again where routing uses them; checked here too, so a cache hit refuses a malformed one as a miss does.
      dev.switchboard.routing.Selector.strategyHeader(request.strategy());
      dev.switchboard.routing.TailOptions.of(exchange.headers());
    } catch (ApiException e) {
      exchange.reply().sendError(e.error(), -1);
      return;
    }
    exchange.request(request);
    if (exchange.reply().books().frontEnd() == null) {
      // Chat Completions and the other OpenAI endpoints; a front end for another API named itself already.
      exchange.reply().books().frontEnd(endpoint.label());
    }
    Route route = catalog.resolve(request.model()).orElse(null);
    if (route == null) {
      exchange.reply().sendError(ApiError.modelNotFound(request.model()), -1);
      return;
    }
    exchange.route(route);
    exchange.next();
  }
}
