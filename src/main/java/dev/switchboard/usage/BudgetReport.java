package dev.switchboard.usage;

import dev.switchboard.config.Budget;
import dev.switchboard.provider.Provider;
import dev.switchboard.provider.ProviderRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The admin view of every configured budget: spent, left, used and, for months, where the month is heading. */
final class BudgetReport {
  private final UsageService usage;
  private final ProviderRegistry providers;

  BudgetReport(UsageService usage, ProviderRegistry providers) {
    this.usage = usage;
    this.providers = providers;
  }

  JsonObject describe() {
    JsonArray out = new JsonArray();
    for (Provider p : providers.all()) {
      describe(out, "provider", p.id(), p.config().budget());
    }
    for (ClientKeys.Entry e : usage.keys().all()) {
      describe(out, "key", e.config().name(), e.config().budget());
    }
    return new JsonObject().put("time_zone", usage.windows().zone().getId()).put("data", out);
  }

  private void describe(JsonArray out, String scope, String name, Budget budget) {
    BudgetWindows windows = usage.windows();
    for (BudgetWindows.Period period : BudgetWindows.Period.values()) {
      double limit = UsageService.limit(budget, period);
      double spent = usage.spent(scope, name, period);
      if (limit <= 0 && spent == 0) {
        continue;
      }
      JsonObject o = new JsonObject().put("scope", scope).put("name", name).put("period", period.name().toLowerCase())
          .put("window_start", windows.start(period).toString()).put("resets", windows.end(period).toString())
          .put("spent", UsageService.round(spent)).put("budget", limit > 0 ? limit : null)
          .put("remaining", limit > 0 ? UsageService.round(Math.max(0, limit - spent)) : null)
          .put("used", limit > 0 ? UsageService.round(spent / limit) : null);
      if (period == BudgetWindows.Period.MONTHLY) {
        o.put("projected", UsageService.round(usage.projectMonth(spent)));
      }
      out.add(o);
    }
  }
}
