package dev.switchboard.server.responses;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.WireFormat;
import io.vertx.core.buffer.Buffer;

/**
 * What every reply of the Responses front end shares, translated ({@link ResponsesFormat}) or native
 * ({@link NativeResponsesFormat}): its name, and errors answered before the stream in OpenAI's shape, so a client
 * sees the same error whichever kind of provider the request went to.
 */
abstract class ResponsesWire implements WireFormat {

  @Override
  public final String frontEnd() {
    return "responses";
  }

  @Override
  public final int errorStatus(ApiError error) {
    return error.status();
  }

  @Override
  public final Buffer errorBody(ApiError error) {
    return error.toJson().toBuffer();
  }
}
