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
 * @param owner the name of the client key that created it, which alone may read, continue or delete it (as OpenAI
 *     scopes a response to its project); null on an open gateway, where any client may
 */
public record StoredResponse(String id, JsonObject response, JsonArray input, String nativeProvider, String owner) {

  public StoredResponse(String id, JsonObject response, JsonArray input) {
    this(id, response, input, null, null);
  }

  public StoredResponse(String id, JsonObject response, JsonArray input, String nativeProvider) {
    this(id, response, input, nativeProvider, null);
  }

  /** This response as kept for the client key that created it. */
  public StoredResponse ownedBy(String clientKey) {
    return new StoredResponse(id, response, input, nativeProvider, clientKey);
  }

  /** Whether the client key may see it: another key's response is, to it, a response that does not exist. */
  public boolean visibleTo(String clientKey) {
    return owner == null || owner.equals(clientKey);
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
    if (nativeProvider != null) {
      json.put("native_provider", nativeProvider);
    }
    return owner == null ? json : json.put("owner", owner);
  }

  public static StoredResponse fromJson(JsonObject json) {
    return new StoredResponse(json.getString("id"), json.getJsonObject("response"), json.getJsonArray("input"),
        json.getString("native_provider"), json.getString("owner"));
  }
}
