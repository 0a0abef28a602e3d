package dev.switchboard.routing;

import io.vertx.core.MultiMap;

/**
 * What one request asks of the slow-tail machinery through its headers, read once when it enters routing.
 *
 * @param firstTokenMillis its own first-token deadline ({@value FirstTokenDeadline#HEADER}), -1 for none
 * @param hedge {@value #HEDGE_HEADER}: true ({@code on} or a delay), false ({@code off}), null (not said)
 * @param hedgeDelayMillis the hedge delay the header names, -1 for the configured one
 */
public record TailOptions(long firstTokenMillis, Boolean hedge, long hedgeDelayMillis) {
  static final String HEDGE_HEADER = "x-switchboard-hedge";
  public static final TailOptions NONE = new TailOptions(-1, null, -1);

  /** @throws dev.switchboard.api.ApiException 400 for a malformed header */
  public static TailOptions of(MultiMap headers) {
    if (headers == null) {
      return NONE;
    }
    String firstToken = headers.get(FirstTokenDeadline.HEADER);
    String hedge = headers.get(HEDGE_HEADER);
    if (firstToken == null && hedge == null) {
      return NONE;
    }
    long firstTokenMillis = firstToken == null ? -1 : FirstTokenDeadline.requestMillis(firstToken);
    if (hedge == null) {
      return new TailOptions(firstTokenMillis, null, -1);
    }
    String h = hedge.trim().toLowerCase(java.util.Locale.ROOT);
    return switch (h) {
      case "on", "true" -> new TailOptions(firstTokenMillis, true, -1);
      case "off", "false" -> new TailOptions(firstTokenMillis, false, -1);
      default -> new TailOptions(firstTokenMillis, true,
          FirstTokenDeadline.millis(hedge, HEDGE_HEADER, "invalid_hedge", "on, off, or a delay such as 500ms"));
    };
  }
}
