package dev.switchboard.routing;

import dev.switchboard.config.ModelPrice;
import dev.switchboard.provider.Provider;

/**
 * One candidate for serving a request: a provider and the model name to ask it for, with what the strategies need
 * to know about it.
 *
 * @param weight share under the {@code weighted} strategy
 * @param quality 0..1, part of the score
 * @param contextWindow context size in tokens, 0 when unknown
 * @param price configured price of this model at this provider, or null
 * @param fallbackOnly the local fallback added to every route in first-run mode (no real provider enabled)
 */
public record Target(Provider provider, String model, double weight, double quality, long contextWindow,
                     ModelPrice price, boolean fallbackOnly) {

  /** A target with the provider's own defaults. */
  public static Target of(Provider provider, String model) {
    return new Target(provider, model, provider.config().weight(), provider.config().quality(),
        contextWindowOf(provider, model), provider.config().price(model), false);
  }

  /** The context window the provider's {@code models} entry gives, 0 when none. */
  static long contextWindowOf(Provider provider, String model) {
    var info = provider.config().modelInfo(model);
    return info == null || info.contextWindow() == null ? 0 : info.contextWindow();
  }

  public Target asFallbackOnly() {
    return new Target(provider, model, weight, quality, contextWindow, price, true);
  }

  @Override
  public String toString() {
    return provider.id() + "/" + model;
  }
}
