package dev.switchboard.config;

/**
 * What the config says about one model of a provider, for routing (context window, cost) and usage (cost). A field
 * not configured is null: unknown, which is not the same as free or unlimited.
 *
 * @param name the model name, or a prefix pattern ending in '*', as in the provider's {@code models}
 * @param inputPrice price per million prompt tokens, in the operator's currency
 * @param outputPrice price per million completion tokens
 * @param cachedInputPrice price per million cached prompt tokens
 * @param contextWindow the most tokens (prompt and completion) one request may use
 * @param requestPrices prices per request, image or character ({@link RequestPrices#NONE} when none)
 */
public record ModelInfo(String name, Double inputPrice, Double outputPrice, Double cachedInputPrice,
                        Long contextWindow, RequestPrices requestPrices) {

  public ModelInfo(String name, Double inputPrice, Double outputPrice, Double cachedInputPrice, Long contextWindow) {
    this(name, inputPrice, outputPrice, cachedInputPrice, contextWindow, RequestPrices.NONE);
  }

  /** Whether this entry describes the model: the same name, or a prefix pattern the name starts with. */
  public boolean describes(String model) {
    return name.endsWith("*") ? model.startsWith(name.substring(0, name.length() - 1)) : name.equals(model);
  }
}
