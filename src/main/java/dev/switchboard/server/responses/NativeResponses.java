package dev.switchboard.server.responses;

import dev.switchboard.api.NativeFront;
import dev.switchboard.api.WireFormat;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;

/**
 * A Responses request as a provider with its own Responses API takes it: the client's body as sent, except that a
 * continuation keeps {@code previous_response_id} only for the provider that served the earlier response natively
 * (it holds it under that id); any other provider gets the conversation rebuilt from the store as the input, as the
 * translated path does. Replies go out through {@link NativeResponsesFormat}.
 */
final class NativeResponses implements NativeFront {
  private final ResponsesRequest request;
  private final JsonObject body;
  private final String continuedAt;
  private final Consumer<StoredResponse> completed;
  private JsonObject rebuilt;

  /**
   * @param body the client's Responses body
   * @param continuedAt the provider that natively served the response this one continues, or null
   * @param completed where a finished response goes when the request asked to store it
   */
  NativeResponses(ResponsesRequest request, JsonObject body, String continuedAt, Consumer<StoredResponse> completed) {
    this.request = request;
    this.body = body;
    this.continuedAt = continuedAt;
    this.completed = completed;
  }

  @Override
  public String api() {
    return "responses";
  }

  @Override
  public JsonObject body(String providerId) {
    if (request.previousResponseId() == null || providerId.equals(continuedAt)) {
      return body;
    }
    if (rebuilt == null) {
      rebuilt = body.copy();
      rebuilt.remove("previous_response_id");
      rebuilt.put("input", request.conversation());
    }
    return rebuilt;
  }

  @Override
  public MultiMap apiHeaders() {
    return MultiMap.caseInsensitiveMultiMap();
  }

  @Override
  public WireFormat format(String providerId) {
    return new NativeResponsesFormat(request, providerId, completed);
  }
}
