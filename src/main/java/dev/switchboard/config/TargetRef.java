package dev.switchboard.config;

/**
 * One place a model alias can be served: a provider and the model name that provider knows it by.
 *
 * @param weight share under the {@code weighted} strategy (relative to the alias's other targets); null = the
 *     provider's weight
 * @param quality 0..1 for the score; null = the provider's quality
 * @param contextWindow the model's context size in tokens, 0 when unknown; a context-length failure may move on to
 *     a later target with a larger one
 */
public record TargetRef(String provider, String model, Double weight, Double quality, long contextWindow) {
  public TargetRef(String provider, String model) {
    this(provider, model, null, null, 0);
  }
}
