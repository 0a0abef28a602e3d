package dev.switchboard.provider.anthropic;

import dev.switchboard.provider.ChunkStream;
import dev.switchboard.api.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Anthropic stream events -> OpenAI chunks. {@code message_start} names the reply and sends the role;
 * {@code content_block_start/delta} carry text and tool calls (each {@code tool_use} block gets the next tool-call
 * index, its {@code input_json_delta}s become argument fragments); {@code message_delta} carries the stop reason and
 * cumulative usage; {@code message_stop} ends the stream with the finish chunk and, when asked, the usage chunk.
 * {@code ping} and unknown events are ignored; an {@code error} event fails the stream.
 */
final class AnthropicStreamTranslator extends ChunkStream {
  /** Content block index -> tool-call index. */
  private final Map<Integer, Integer> toolIndex = new HashMap<>();
  private Usage usage = Usage.NONE;
  private String stopReason;

  AnthropicStreamTranslator(boolean clientWantsUsage, String fallbackModel) {
    super(clientWantsUsage, fallbackModel);
  }

  @Override
  protected void handle(String eventName, JsonObject data, Consumer<Buffer> emit) {
    String type = data.getValue("type") instanceof String t ? t : eventName == null ? "" : eventName;
    switch (type) {
      case "message_start" -> {
        JsonObject message = data.getValue("message") instanceof JsonObject m ? m : new JsonObject();
        identify(message.getValue("id") instanceof String s ? s : null,
            message.getValue("model") instanceof String s ? s : null);
        readUsage(message.getValue("usage"));
        role(0, emit);
      }
      case "content_block_start" -> {
        JsonObject block = data.getValue("content_block") instanceof JsonObject b ? b : new JsonObject();
        if ("tool_use".equals(block.getValue("type"))) {
          int index = toolIndex.size();
          toolIndex.put(blockIndex(data), index);
          JsonObject input = block.getValue("input") instanceof JsonObject in ? in : null;
          toolCallStart(0, index, block.getString("id"), block.getString("name"),
              input == null || input.isEmpty() ? "" : input.encode(), emit);
        } else if ("text".equals(block.getValue("type")) && block.getValue("text") instanceof String text) {
          text(0, text, emit);
        }
      }
      case "content_block_delta" -> {
        JsonObject delta = data.getValue("delta") instanceof JsonObject d ? d : new JsonObject();
        Object deltaType = delta.getValue("type");
        if ("text_delta".equals(deltaType) && delta.getValue("text") instanceof String text) {
          text(0, text, emit);
        } else if ("input_json_delta".equals(deltaType) && delta.getValue("partial_json") instanceof String json) {
          Integer index = toolIndex.get(blockIndex(data));
          if (index != null) {
            toolCallArguments(0, index, json, emit);
          }
        }
        // thinking, signature and citation deltas have no place in a chat completion chunk
      }
      case "message_delta" -> {
        if (data.getValue("delta") instanceof JsonObject delta && delta.getValue("stop_reason") instanceof String s) {
          stopReason = s;
        }
        readUsage(data.getValue("usage"));
      }
      case "message_stop" -> {
        finish(0, AnthropicReply.finishReason(stopReason), emit);
        end(emit);
      }
      case "error" -> {
        JsonObject error = data.getValue("error") instanceof JsonObject e ? e : data;
        fail(AnthropicErrors.inBand(error));
      }
      default -> {
        // ping, content_block_stop, and event types added after this was written
      }
    }
  }

  private static int blockIndex(JsonObject data) {
    return data.getValue("index") instanceof Number n ? n.intValue() : 0;
  }

  private void readUsage(Object u) {
    if (u instanceof JsonObject counts) {
      usage = AnthropicReply.usage(counts, usage);
      usage(usage);
    }
  }
}
