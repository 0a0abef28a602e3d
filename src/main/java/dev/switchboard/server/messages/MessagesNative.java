package dev.switchboard.server.messages;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.NativeFront;
import dev.switchboard.api.Usage;
import dev.switchboard.api.WireFormat;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;

/**
 * A Messages request as an Anthropic provider takes it natively: the client's body and its {@code anthropic-*}
 * headers, and a reply format that lets the provider's message and events through unchanged. Only a failure after
 * the commit is the gateway's own: one Anthropic {@code error} event, as the translated stream ends.
 */
final class MessagesNative extends MessagesWire implements NativeFront {
  private final JsonObject body;
  private final MultiMap apiHeaders;

  /** @param clientHeaders the request's headers; only {@code anthropic-version} and {@code anthropic-beta} are kept */
  MessagesNative(JsonObject body, MultiMap clientHeaders) {
    this.body = body;
    this.apiHeaders = MultiMap.caseInsensitiveMultiMap();
    for (String name : new String[] {"anthropic-version", "anthropic-beta"}) {
      if (clientHeaders != null && clientHeaders.contains(name)) {
        apiHeaders.set(name, clientHeaders.getAll(name));
      }
    }
  }

  @Override
  public String api() {
    return "messages";
  }

  @Override
  public JsonObject body(String providerId) {
    return body;
  }

  @Override
  public MultiMap apiHeaders() {
    return apiHeaders;
  }

  /** The same for every provider: nothing about the relay depends on which one. */
  @Override
  public WireFormat format(String providerId) {
    return this;
  }

  // ---- the native reply ----------------------------------------------------------------------------------------

  @Override
  public Buffer reply(int status, Buffer body) {
    return status >= 400 ? errorBody(MessagesFormat.passedThrough(status, body)) : body;
  }

  @Override
  public void event(Buffer framed, Buffer out) {
    out.appendBuffer(framed);
  }

  /** The provider's {@code message_stop} already went out; only a failure adds its {@code error} event. */
  @Override
  public void end(ApiError inBandError, Usage usage, Buffer out) {
    if (inBandError != null) {
      out.appendString("event: error\ndata: " + AnthropicErrorShape.body(inBandError).encode() + "\n\n",
          StandardCharsets.UTF_8.name());
    }
  }
}
