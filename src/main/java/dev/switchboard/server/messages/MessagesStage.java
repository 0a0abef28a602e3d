package dev.switchboard.server.messages;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.RequestStage;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * The Anthropic Messages front end: turns the client's Messages body into the chat request every later stage
 * speaks ({@link MessagesRequest}), and makes the reply speak Messages back ({@link MessagesFormat}). Runs first among
 * the body stages of {@code POST /v1/messages}; validation, limits, cache and routing follow as for chat.
 */
public final class MessagesStage implements RequestStage {
  @Override
  public void handle(Exchange exchange) {
    MessagesRequest request;
    JsonObject body;
    try {
      body = body(exchange);
      request = MessagesRequest.from(body);
    } catch (ApiException e) {
      exchange.reply().sendError(e.error(), -1);
      return;
    }
    exchange.reply().wireFormat(new MessagesFormat(request.stopSequences(),
        request.chat().getString("model"), new MessagesNative(body, exchange.headers())));
    exchange.received(Endpoint.CHAT, request.chat().toBuffer());
    exchange.next();
  }

  /** The client's body as JSON, or a 400 in Anthropic's words. */
  static JsonObject body(Exchange exchange) {
    try {
      if (exchange.body() == null || exchange.body().length() == 0) {
        throw new DecodeException("the body is empty");
      }
      return new JsonObject(exchange.body());
    } catch (DecodeException | ClassCastException e) {
      throw new ApiException(ApiError.invalid("The request body is not valid JSON: " + (e instanceof DecodeException d
          ? dev.switchboard.server.RequestValidator.parseProblem(d) : e.getMessage()), null, "invalid_json"));
    }
  }
}
