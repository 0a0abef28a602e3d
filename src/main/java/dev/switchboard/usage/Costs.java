package dev.switchboard.usage;

import dev.switchboard.config.ModelPrice;
import dev.switchboard.api.Usage;

/** The cost of a reply from its token counts and the configured prices (per million tokens). */
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
