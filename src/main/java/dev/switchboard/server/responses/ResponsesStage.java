package dev.switchboard.server.responses;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.LogScope;
import dev.switchboard.api.ApiException;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.Exchange;
import dev.switchboard.api.RequestStage;
import dev.switchboard.provider.OpenAiShapes;
import dev.switchboard.server.RequestValidator;

import java.time.Clock;
import java.util.logging.Logger;

/**
 * The OpenAI Responses front end: turns the client's Responses body (with the stored conversation it continues, for
 * {@code previous_response_id}) into the chat request every later stage speaks, and makes the reply speak Responses
 * back ({@link ResponsesFormat}), keeping the finished response in the {@link ResponseStore}. Runs first among the
 * body stages of {@code POST /v1/responses}; validation, limits, cache and routing follow as for chat.
 */
public final class ResponsesStage implements RequestStage {
  private static final Logger LOG = Logger.getLogger(ResponsesStage.class.getName());
  private final ResponseStore store;
  private final Clock clock;

  public ResponsesStage(ResponseStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  @Override
  public void handle(Exchange exchange) {
    ResponsesRequest request;
    io.vertx.core.json.JsonObject body;
    try {
      body = RequestValidator.jsonObject(exchange.body());
      request = ResponsesRequest.parse(body);
    } catch (ApiException e) {
      exchange.reply().sendError(e.error(), -1);
      return;
    }
    String previous = request.previousResponseId();
    if (previous == null) {
      proceed(exchange, request, body, null);
      return;
    }
    store.get(previous).onComplete(ar -> {
      if (exchange.reply().finished()) {
        return;
      }
      if (ar.failed()) {
        try (var scope = LogScope.request(exchange.requestId(), exchange.headers().get("traceparent"))) {
          LOG.warning("could not read stored response " + previous + " for request " + exchange.requestId() + ": "
              + ar.cause());
        }
        exchange.reply().sendError(new ApiError(503, ApiError.SERVER, "The stored response '" + previous
            + "' could not be read right now; retry the request.", "previous_response_id", "store_unavailable"), 1_000);
        return;
      }
      StoredResponse stored = ar.result();
      if (stored == null || !stored.visibleTo(exchange.clientKey())) {
        exchange.reply().sendError(notFound(previous, "previous_response_id"), -1);
        return;
      }
      proceed(exchange, request.withHistory(stored.input(), stored.output()), body, stored.nativeProvider());
    });
  }

  /** @param continuedAt the provider that natively served the response this one continues, or null */
  private void proceed(Exchange exchange, ResponsesRequest request, io.vertx.core.json.JsonObject body,
                       String continuedAt) {
    String id = OpenAiShapes.newId("resp_");
    String owner = exchange.clientKey();
    java.util.function.Consumer<StoredResponse> keep = stored -> store.put(stored.id(), stored.ownedBy(owner))
        .onFailure(e -> LOG.warning("could not store response " + stored.id() + ": " + e));
    exchange.reply().wireFormat(new ResponsesFormat(request, id, clock.millis() / 1000, keep,
        new NativeResponses(request, body, continuedAt, keep)));
    exchange.received(Endpoint.CHAT, request.chatBody().toBuffer());
    exchange.next();
  }

  /** A 404 for a response id the store does not hold (never stored, deleted or expired). */
  static ApiError notFound(String id, String param) {
    return new ApiError(404, ApiError.INVALID_REQUEST, "Response with id '" + id + "' not found.", param,
        "response_not_found");
  }
}
