package dev.switchboard.server.messages;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.WireFormat;
import io.vertx.core.buffer.Buffer;

/**
 * What every reply of the Messages front end shares, translated ({@link MessagesFormat}) or native
 * ({@link MessagesNative}): its name, and errors answered before the stream in Anthropic's shape and status, so a
 * client sees the same error whichever kind of provider the request went to.
 */
abstract class MessagesWire implements WireFormat {

  @Override
  public final String frontEnd() {
    return "messages";
  }

  @Override
  public final int errorStatus(ApiError error) {
    return AnthropicErrorShape.status(error);
  }

  @Override
  public final Buffer errorBody(ApiError error) {
    return AnthropicErrorShape.body(error).toBuffer();
  }
}
