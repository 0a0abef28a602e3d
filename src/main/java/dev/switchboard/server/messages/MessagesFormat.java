package dev.switchboard.server.messages;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Anthropic's Messages API on the wire: chat replies become messages, chat chunks the Messages event sequence
 * ({@link MessagesStream}), and every error, including one a provider passed through in OpenAI's shape, Anthropic's
 * {@code {"type":"error","error":{...}}} with the matching status.
 */
public final class MessagesFormat extends MessagesWire {
  private final List<String> stopSequences;
  private final String model;
  private final boolean errorsOnly;
  private final MessagesNative nativeFront;
  private MessagesStream stream;

  /** @param nativeFront the request as an Anthropic provider takes it natively */
  MessagesFormat(List<String> stopSequences, String model, MessagesNative nativeFront) {
    this(stopSequences, model, false, nativeFront);
  }

  private MessagesFormat(List<String> stopSequences, String model, boolean errorsOnly, MessagesNative nativeFront) {
    this.stopSequences = stopSequences;
    this.model = model;
    this.errorsOnly = errorsOnly;
    this.nativeFront = nativeFront;
  }

  @Override
  public dev.switchboard.api.NativeFront nativeFront() {
    return nativeFront;
  }

  /**
   * The format of a Messages-API request before its body is read: errors (a refused key, a body too large) must
   * already be Anthropic's; a reply that is already in a Messages shape ({@code count_tokens}) passes unchanged. The
   * Messages front end replaces it once it knows the request.
   */
  public static MessagesFormat beforeTheBody() {
    return new MessagesFormat(List.of(), null, true, null);
  }

  @Override
  public Buffer reply(int status, Buffer chatBody) {
    if (status >= 400) {
      return errorBody(passedThrough(status, chatBody));
    }
    if (errorsOnly) {
      return chatBody;
    }
    return MessagesReply.toMessage(new JsonObject(chatBody), stopSequences, model).toBuffer();
  }

  @Override
  public void event(Buffer chatPayload, Buffer out) {
    JsonObject chunk;
    try {
      chunk = new JsonObject(chatPayload);
    } catch (DecodeException | ClassCastException e) {
      stream().onError(ApiError.server("The provider sent a stream event that is not JSON."), out::appendBuffer);
      return;
    }
    stream().onChunk(chunk, out::appendBuffer);
  }

  @Override
  public void end(ApiError inBandError, Usage usage, Buffer out) {
    if (inBandError != null) {
      stream().onError(inBandError, out::appendBuffer);
    } else {
      stream().onDone(out::appendBuffer);
    }
  }

  private MessagesStream stream() {
    if (stream == null) {
      stream = new MessagesStream(model, stopSequences);
    }
    return stream;
  }

  /** An upstream client error the gateway passes through (in OpenAI's shape) as the error it stands for. */
  static ApiError passedThrough(int status, Buffer body) {
    try {
      JsonObject e = new JsonObject(body).getJsonObject("error");
      if (e != null) {
        return new ApiError(status, e.getString("type", ApiError.INVALID_REQUEST), e.getString("message", ""),
            e.getString("param"), e.getString("code"));
      }
    } catch (RuntimeException ignored) {
      // Not JSON: described by its status alone below.
    }
    return new ApiError(status, status >= 500 ? ApiError.UPSTREAM : ApiError.INVALID_REQUEST,
        "The provider answered HTTP " + status + ".", null, null);
  }
}
