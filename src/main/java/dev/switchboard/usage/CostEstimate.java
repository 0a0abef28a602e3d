package dev.switchboard.usage;

import dev.switchboard.api.GatewayRequest;
import dev.switchboard.config.ModelPrice;
import dev.switchboard.routing.Route;
import dev.switchboard.routing.Target;
import dev.switchboard.routing.UnitCost;

/**
 * The most a request is expected to cost before it is sent, which a key's budget reserves: its prompt (the
 * tokenizer's count) at the input price plus the completion it may produce ({@code max_completion_tokens} /
 * {@code max_tokens}, else {@code ratelimit.default_completion_tokens}) at the output price, plus the per-request,
 * per-image and per-character prices ({@link UnitCost}). Failover may send it to any target of its route, so the
 * dearest target's price counts. Cached prompt tokens are not discounted: the estimate errs high, never low.
 */
final class CostEstimate {
  private CostEstimate() {
  }

  /**
   * @param promptTokens the prompt's tokens
   * @param completionTokens the completion budget (all {@code n} choices)
   */
  static double of(GatewayRequest request, Route route, long promptTokens, long completionTokens) {
    if (route == null) {
      return 0;
    }
    double most = 0;
    for (Target t : route.targets()) {
      ModelPrice price = t.price();
      if (price == null) {
        continue;
      }
      double cost = (promptTokens * price.input() + completionTokens * price.output()) / 1e6
          + UnitCost.of(request, price);
      most = Math.max(most, cost);
    }
    return most;
  }
}
