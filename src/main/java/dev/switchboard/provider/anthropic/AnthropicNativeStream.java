package dev.switchboard.provider.anthropic;

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
  protected void read(String type) {
    switch (type) {
      case "content_block_delta" -> content();
      case "message_start" -> {
        if (data() != null && data().getValue("message") instanceof JsonObject m
            && m.getValue("usage") instanceof JsonObject u) {
          usage(AnthropicReply.usage(u, currentUsage()));
        }
      }
      case "message_delta" -> {
        if (data() != null && data().getValue("usage") instanceof JsonObject u) {
          usage(AnthropicReply.usage(u, currentUsage()));
        }
      }
      case "message_stop" -> end();
      case "error" -> fail(AnthropicErrors.inBand(errorObject()));
      default -> {
        // content_block_start/stop, ping, and event types added after this was written: relayed unread
      }
    }
  }
}
