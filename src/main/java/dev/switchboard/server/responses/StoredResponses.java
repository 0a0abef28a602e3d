package dev.switchboard.server.responses;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.ClientReply;
import io.vertx.core.json.JsonObject;

/**
 * {@code GET} and {@code DELETE /v1/responses/{id}}: a stored response read back or forgotten. An id the store does
 * not hold, or holds for another client key, is a 404 in OpenAI's shape.
 */
public final class StoredResponses {
  private final ResponseStore store;

  public StoredResponses(ResponseStore store) {
    this.store = store;
  }

  public void read(String id, ClientReply reply) {
    String clientKey = reply.books().clientKey();
    store.get(id).onComplete(ar -> {
      if (ar.failed()) {
        reply.sendError(unavailable(id), 1_000);
      } else if (ar.result() == null || !ar.result().visibleTo(clientKey)) {
        reply.sendError(ResponsesStage.notFound(id, null), -1);
      } else {
        reply.sendJson(200, "application/json", ar.result().response().toBuffer());
      }
    });
  }

  public void delete(String id, ClientReply reply) {
    String clientKey = reply.books().clientKey();
    store.get(id).compose(stored -> stored == null || !stored.visibleTo(clientKey)
        ? io.vertx.core.Future.succeededFuture(false) : store.delete(id)).onComplete(ar -> {
      if (ar.failed()) {
        reply.sendError(unavailable(id), 1_000);
      } else if (!ar.result()) {
        reply.sendError(ResponsesStage.notFound(id, null), -1);
      } else {
        reply.sendJson(200, "application/json", new JsonObject().put("id", id).put("object", "response.deleted")
            .put("deleted", true).toBuffer());
      }
    });
  }

  private static ApiError unavailable(String id) {
    return new ApiError(503, ApiError.SERVER, "The response store could not be reached for '" + id
        + "'; retry the request.", null, "store_unavailable");
  }
}
