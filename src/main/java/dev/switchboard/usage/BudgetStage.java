package dev.switchboard.usage;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.RequestStage;

/**
 * A client key whose spending budget is used up is refused with its budget error, the time until the budget resets,
 * and {@code x-should-retry: false}: retrying at once cannot help.
 */
public final class BudgetStage implements RequestStage {
  private final UsageService usage;

  public BudgetStage(UsageService usage) {
    this.usage = usage;
  }

  @Override
  public void handle(Exchange exchange) {
    String key = exchange.request().clientKey();
    ApiError overBudget = usage.keyOverBudget(key);
    if (overBudget != null) {
      exchange.reply().sendError(overBudget, usage.keyBudgetResetMillis(key), false);
      return;
    }
    exchange.next();
  }
}
