package dev.switchboard.server.responses;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The reply of a provider serving the Responses API natively, on its way out unchanged: the response object or each
 * framed event as sent, {@code sequence_number}s included. On the way it keeps what the store needs (the completed
 * response, with the provider that holds it) and what a failure needs: {@code response.created}'s response and the
 * count of events since, so a stream broken after the commit ends with a {@code response.failed} that continues the
 * provider's numbering. One per native attempt, on the request's event loop.
 */
final class NativeResponsesFormat extends ResponsesWire {
  private static final String CREATED = "response.created";
  private static final String COMPLETED = "response.completed";

  private final ResponsesRequest request;
  private final String providerId;
  private final Consumer<StoredResponse> completed;
  /** The response as {@code response.created} announced it; null before. */
  private JsonObject created;
  /** The sequence number the next event would carry. */
  private long nextSequence;

  NativeResponsesFormat(ResponsesRequest request, String providerId, Consumer<StoredResponse> completed) {
    this.request = request;
    this.providerId = providerId;
    this.completed = completed;
  }

  @Override
  public Buffer reply(int status, Buffer body) {
    if (status < 400) {
      try {
        keep(new JsonObject(body));
      } catch (RuntimeException notAResponse) {
        // Relayed as it came; there is nothing to store.
      }
    }
    return body;
  }

  @Override
  public void event(Buffer framed, Buffer out) {
    out.appendBuffer(framed);
    nextSequence++;
    if (startsWith(framed, CREATED)) {
      JsonObject data = data(framed);
      if (data != null && data.getValue("response") instanceof JsonObject r) {
        created = r;
        nextSequence = (data.getValue("sequence_number") instanceof Number n ? n.longValue() : 0) + 1;
      }
    } else if (startsWith(framed, COMPLETED)) {
      JsonObject data = data(framed);
      if (data != null && data.getValue("response") instanceof JsonObject r) {
        keep(r);
      }
    }
  }

  /** The provider's own last event already went out; only a failure adds {@code response.failed}. */
  @Override
  public void end(ApiError inBandError, Usage usage, Buffer out) {
    if (inBandError == null) {
      return;
    }
    JsonObject response = created == null ? new JsonObject().put("object", "response").put("model", request.model())
        : created.copy();
    response.put("status", "failed").put("error", ResponsesErrors.responseError(inBandError));
    JsonObject data = new JsonObject().put("type", "response.failed").put("sequence_number", nextSequence)
        .put("response", response);
    out.appendBuffer(new ResponsesEvent("response.failed", data).toSse());
  }

  private void keep(JsonObject response) {
    if (request.store() && "completed".equals(response.getValue("status")) && response.getValue("id") instanceof String) {
      completed.accept(StoredResponse.ofNative(request, response, providerId));
    }
  }

  private static boolean startsWith(Buffer framed, String eventName) {
    String prefix = "event: " + eventName + "\n";
    if (framed.length() < prefix.length()) {
      return false;
    }
    return framed.getString(0, prefix.length(), StandardCharsets.UTF_8.name()).equals(prefix);
  }

  /** The JSON of a framed event's single {@code data:} line, or null. */
  private static JsonObject data(Buffer framed) {
    String text = framed.toString(StandardCharsets.UTF_8);
    int at = text.indexOf("\ndata: ");
    if (at < 0) {
      return null;
    }
    int end = text.indexOf('\n', at + 7);
    try {
      return new JsonObject(text.substring(at + 7, end < 0 ? text.length() : end));
    } catch (RuntimeException e) {
      return null;
    }
  }
}
