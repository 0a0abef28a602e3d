package dev.switchboard.server.responses;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * One Responses stream event: its type and its JSON data (which carries {@code type} and {@code sequence_number}
 * too, as OpenAI sends them).
 */
public record ResponsesEvent(String type, JsonObject data) {
  /** The event framed for the wire: {@code event: <type>\ndata: <json>\n\n}. */
  public Buffer toSse() {
    return Buffer.buffer("event: " + type + "\ndata: ").appendBuffer(data.toBuffer()).appendString("\n\n");
  }
}
