package dev.switchboard.provider.anthropic;

import dev.switchboard.api.SseEvent;
import dev.switchboard.provider.NativeStream;
import io.vertx.core.json.JsonObject;

/**
 * An Anthropic Messages stream relayed event by event. Only {@code message_start} and {@code message_delta} are
 * parsed (their usage: input and cache tokens first, cumulative output later), {@code message_stop} ends it, the first
 * {@code content_block_delta} commits it, and an {@code error} event fails it; text and tool-input deltas, pings,
 * block starts and stops pass unread.
 */
final class AnthropicNativeStream extends NativeStream {

  @Override
  protected void read(SseEvent event) {
    String type = event.event();
    JsonObject data = null;
    if (type == null) {
      // Anthropic names every event; the data's own type serves for a stream that does not.
      data = json(event);
      type = data != null && data.getValue("type") instanceof String t ? t : "";
    }
    switch (type) {
      case "content_block_delta" -> content();
      case "message_start" -> {
        data = data == null ? json(event) : data;
        if (data != null && data.getValue("message") instanceof JsonObject m && m.getValue("usage") instanceof JsonObject u) {
          usage(AnthropicReply.usage(u, currentUsage()));
        }
      }
      case "message_delta" -> {
        data = data == null ? json(event) : data;
        if (data != null && data.getValue("usage") instanceof JsonObject u) {
          usage(AnthropicReply.usage(u, currentUsage()));
        }
      }
      case "message_stop" -> end();
      case "error" -> {
        data = data == null ? json(event) : data;
        JsonObject error = data == null ? new JsonObject()
            : data.getValue("error") instanceof JsonObject e ? e : data;
        fail(AnthropicErrors.inBand(error));
      }
      default -> {
        // content_block_start/stop, ping, and event types added after this was written: relayed unread
      }
    }
  }
}
