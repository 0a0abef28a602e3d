package dev.switchboard.api;

import io.vertx.core.json.JsonObject;

/** Token counts of one reply, in OpenAI's terms. */
public record Usage(long promptTokens, long completionTokens, long totalTokens, long cachedTokens) {
  public static final Usage NONE = new Usage(0, 0, 0, 0);

  /** Reads an OpenAI {@code usage} object; absent or malformed fields count as zero. */
  public static Usage fromOpenAi(JsonObject usage) {
    if (usage == null) {
      return NONE;
    }
    long prompt = number(usage, "prompt_tokens");
    long completion = number(usage, "completion_tokens");
    long total = usage.getValue("total_tokens") instanceof Number n ? n.longValue() : prompt + completion;
    long cached = 0;
    if (usage.getValue("prompt_tokens_details") instanceof JsonObject details) {
      cached = number(details, "cached_tokens");
    }
    return new Usage(prompt, completion, total, cached);
  }

  private static long number(JsonObject o, String key) {
    return o.getValue(key) instanceof Number n ? n.longValue() : 0;
  }

  public boolean isEmpty() {
    return totalTokens == 0 && promptTokens == 0 && completionTokens == 0;
  }

  /**
   * What these tokens cost at {@code price} (per million tokens), 0 without one: cached prompt tokens at the cached
   * price, the rest of the prompt at the input price. The one formula of the ledger and the cost header.
   */
  public double cost(dev.switchboard.config.ModelPrice price) {
    if (price == null) {
      return 0;
    }
    long cached = Math.min(cachedTokens, promptTokens);
    long uncached = promptTokens - cached;
    return (uncached * price.input() + cached * price.cachedInput() + completionTokens * price.output()) / 1e6;
  }
}
