package dev.switchboard.server.responses;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.function.Consumer;

/**
 * The OpenAI Responses API on the wire: chat replies become response objects, chat chunks become the Responses
 * event sequence ({@link ResponsesStream}), errors keep OpenAI's shape. A finished, completed response goes to
 * {@code completed} (the store) when the request asked to store it.
 */
final class ResponsesFormat extends ResponsesWire {
  private final ResponsesRequest request;
  private final String responseId;
  private final long createdAtSeconds;
  private final Consumer<StoredResponse> completed;
  private final NativeResponses nativeFront;
  private ResponsesStream stream;

  /** @param nativeFront the request as a provider with its own Responses API takes it */
  ResponsesFormat(ResponsesRequest request, String responseId, long createdAtSeconds,
                  Consumer<StoredResponse> completed, NativeResponses nativeFront) {
    this.request = request;
    this.responseId = responseId;
    this.createdAtSeconds = createdAtSeconds;
    this.completed = completed;
    this.nativeFront = nativeFront;
  }

  @Override
  public dev.switchboard.api.NativeFront nativeFront() {
    return nativeFront;
  }

  @Override
  public Buffer reply(int status, Buffer chatBody) {
    if (status >= 400) {
      return chatBody;
    }
    JsonObject response = ResponsesReply.toResponse(new JsonObject(chatBody), request, responseId, createdAtSeconds);
    keep(response);
    return response.toBuffer();
  }

  @Override
  public void event(Buffer chatPayload, Buffer out) {
    JsonObject chunk;
    try {
      chunk = new JsonObject(chatPayload);
    } catch (DecodeException | ClassCastException e) {
      stream().fail(ApiError.server("The provider sent a stream event that is not JSON."), ev -> out.appendBuffer(ev.toSse()));
      return;
    }
    stream().onChunk(chunk, ev -> out.appendBuffer(ev.toSse()));
  }

  @Override
  public void end(ApiError inBandError, Usage usage, Buffer out) {
    ResponsesStream s = stream();
    if (inBandError != null) {
      s.fail(inBandError, ev -> out.appendBuffer(ev.toSse()));
      return;
    }
    s.finish(usage == null || usage.isEmpty() ? null : usage, ev -> out.appendBuffer(ev.toSse()));
    if (s.response() != null && "completed".equals(s.response().getString("status"))) {
      keep(s.response());
    }
  }

  private ResponsesStream stream() {
    if (stream == null) {
      stream = new ResponsesStream(request, responseId, createdAtSeconds);
    }
    return stream;
  }

  private void keep(JsonObject response) {
    if (request.store()) {
      completed.accept(StoredResponse.of(request, response));
    }
  }
}
