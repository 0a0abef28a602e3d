package dev.switchboard.routing;

import io.vertx.core.MultiMap;

/**
 * What one request asks of the slow-tail machinery through its headers, read once when it enters routing.
 *
 * @param firstTokenMillis its own first-token deadline ({@value FirstTokenDeadline#HEADER}), -1 for none
 */
public record TailOptions(long firstTokenMillis) {
  public static final TailOptions NONE = new TailOptions(-1);

  /** @throws dev.switchboard.api.ApiException 400 for a malformed header */
  public static TailOptions of(MultiMap headers) {
    String firstToken = headers == null ? null : headers.get(FirstTokenDeadline.HEADER);
    return firstToken == null ? NONE : new TailOptions(FirstTokenDeadline.requestMillis(firstToken));
  }
}
