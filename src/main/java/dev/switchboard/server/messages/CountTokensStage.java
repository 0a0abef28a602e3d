package dev.switchboard.server.messages;

import dev.switchboard.api.ApiException;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.RequestStage;

/**
 * {@code POST /v1/messages/count_tokens}: answers the prompt's token count from the gateway's tokenizer estimate
 * ({@link MessagesTokenCount}); no provider is called, so nothing is spent or limited.
 */
public final class CountTokensStage implements RequestStage {
  @Override
  public void handle(Exchange exchange) {
    try {
      exchange.reply().sendJson(200, "application/json",
          MessagesTokenCount.count(MessagesStage.body(exchange)).toBuffer());
    } catch (ApiException e) {
      exchange.reply().sendError(e.error(), -1);
    }
  }
}
