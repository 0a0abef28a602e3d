package dev.switchboard.usage;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.RequestStage;
import dev.switchboard.ratelimit.TokenEstimator;
import dev.switchboard.routing.Route;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A client key whose spending budget is used up is refused with its budget error, the time until the budget resets,
 * and {@code x-should-retry: false}: retrying at once cannot help. A key with a budget then reserves the request's
 * estimated cost ({@link CostEstimate}) before it goes anywhere, so that requests in flight on every instance cannot
 * together overspend it; a request whose reservation does not fit is refused with the same error code.
 */
public final class BudgetStage implements RequestStage {
  private static final Logger LOG = Logger.getLogger(BudgetStage.class.getName());
  private final UsageService usage;
  private final TokenEstimator estimator;

  public BudgetStage(UsageService usage, TokenEstimator estimator) {
    this.usage = usage;
    this.estimator = estimator;
  }

  @Override
  public void handle(Exchange exchange) {
    GatewayRequest request = exchange.request();
    String key = request.clientKey();
    ApiError overBudget = usage.keyOverBudget(key);
    if (overBudget != null) {
      exchange.reply().sendError(overBudget, usage.keyBudgetResetMillis(key), false);
      return;
    }
    if (!usage.hasBudget(key)) {
      exchange.next();
      return;
    }
    Object routed = exchange.route();
    Route route = routed instanceof Route r ? r : null;
    double amount = CostEstimate.of(request, route, estimator.promptTokens(request),
        estimator.completionBudget(request));
    usage.reserve(request, amount).onComplete(ar -> {
      if (exchange.reply().finished()) {
        // The client left (or shutdown ended it) while Redis answered: its outcome is out, so nothing settles this.
        usage.release(request);
        return;
      }
      if (ar.failed()) {
        LOG.log(Level.SEVERE, "budget reservation failed for request " + exchange.requestId(), ar.cause());
        exchange.reply().sendError(ApiError.server("Switchboard failed to check the budget; see the gateway log for "
            + "request " + exchange.requestId() + "."), -1);
        return;
      }
      ApiError refused = ar.result();
      if (refused != null) {
        long reset = usage.keyBudgetResetMillis(key);
        // Spent: only the next window helps. Held by requests in flight: a retry once they finish may fit.
        exchange.reply().sendError(refused, reset >= 0 ? reset : 1_000, reset < 0);
        return;
      }
      exchange.next();
    });
  }
}
