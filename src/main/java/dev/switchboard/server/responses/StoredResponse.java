package dev.switchboard.server.responses;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A finished response as kept for {@code GET /v1/responses/{id}} and {@code previous_response_id}: the response
 * object and the whole conversation's input items that led to it (history included), so a continuation needs one
 * lookup. {@link #toJson()}/{@link #fromJson} are the form a shared store (Redis) keeps. Treat as immutable.
 *
 * @param nativeProvider the provider that served it natively through its own Responses API (and so holds it too,
 *     under the same id), or null when the gateway translated it from chat
 */
public record StoredResponse(String id, JsonObject response, JsonArray input, String nativeProvider) {

  public StoredResponse(String id, JsonObject response, JsonArray input) {
    this(id, response, input, null);
  }

  /** What to keep of a finished request: its response and {@link ResponsesRequest#conversation()}. */
  public static StoredResponse of(ResponsesRequest request, JsonObject response) {
    return new StoredResponse(response.getString("id"), response, request.conversation(), null);
  }

  /** A response a provider served natively: kept like any other, with the provider that holds it. */
  public static StoredResponse ofNative(ResponsesRequest request, JsonObject response, String providerId) {
    return new StoredResponse(response.getString("id"), response, request.conversation(), providerId);
  }

  /** The response's output items, which a continuation appends after {@link #input()}. */
  public JsonArray output() {
    return response.getValue("output") instanceof JsonArray output ? output : new JsonArray();
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("id", id).put("response", response).put("input", input);
    return nativeProvider == null ? json : json.put("native_provider", nativeProvider);
  }

  public static StoredResponse fromJson(JsonObject json) {
    return new StoredResponse(json.getString("id"), json.getJsonObject("response"), json.getJsonArray("input"),
        json.getString("native_provider"));
  }
}
