package dev.switchboard.usage;

import dev.switchboard.config.ModelPrice;
import dev.switchboard.api.Usage;

/**
 * The token part of a reply's cost, from its token counts and the configured prices (per million tokens); the
 * per-request, per-image and per-character part is {@code routing.UnitCost}'s.
 */
public final class Costs {
  private Costs() {
  }

  /** Cached prompt tokens are billed at the cached price, the rest of the prompt at the input price. */
  public static double of(Usage usage, ModelPrice price) {
    if (price == null || usage == null) {
      return 0;
    }
    long cached = Math.min(usage.cachedTokens(), usage.promptTokens());
    long uncached = usage.promptTokens() - cached;
    return (uncached * price.input() + cached * price.cachedInput() + usage.completionTokens() * price.output()) / 1e6;
  }
}
