package dev.switchboard.provider.anthropic;

import dev.switchboard.provider.OpenAiShapes;
import dev.switchboard.api.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Anthropic Messages reply -> OpenAI {@code chat.completion}; stop reasons and usage in OpenAI's terms. */
final class AnthropicReply {
  private AnthropicReply() {
  }

  /**
   * @param fallbackModel the model name used when the reply names none
   * @throws IllegalArgumentException when the body is not a Messages reply
   */
  static JsonObject toOpenAi(JsonObject message, String fallbackModel) {
    if (message.getValue("error") instanceof JsonObject error) {
      throw new IllegalArgumentException("the provider replied 2xx with an error body: "
          + AnthropicErrors.inBand(error).message());
    }
    if (!(message.getValue("content") instanceof JsonArray blocks)) {
      throw new IllegalArgumentException("the provider's reply has no content");
    }
    StringBuilder text = new StringBuilder();
    JsonArray calls = new JsonArray();
    for (Object b : blocks) {
      if (!(b instanceof JsonObject block)) {
        continue;
      }
      switch (block.getString("type", "")) {
        case "text" -> text.append(block.getString("text", ""));
        case "tool_use" -> calls.add(OpenAiShapes.toolCall(block.getString("id"), block.getString("name"),
            (block.getValue("input") instanceof JsonObject in ? in : new JsonObject()).encode()));
        default -> {
          // thinking and server-tool blocks have no place in a chat completion
        }
      }
    }
    String content = text.isEmpty() && !calls.isEmpty() ? null : text.toString();
    String id = message.getValue("id") instanceof String s ? s : OpenAiShapes.newId("chatcmpl-");
    String model = message.getValue("model") instanceof String s ? s : fallbackModel;
    Usage usage = usage(message.getValue("usage") instanceof JsonObject u ? u : new JsonObject(), Usage.NONE);
    return OpenAiShapes.completion(id, OpenAiShapes.now(), model, new JsonArray()
        .add(OpenAiShapes.choice(0, content, calls, finishReason(message.getString("stop_reason")))), usage);
  }

  /** Anthropic's {@code stop_reason} as OpenAI's {@code finish_reason}. */
  static String finishReason(String stopReason) {
    if (stopReason == null) {
      return "stop";
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop";
    };
  }

  /**
   * Anthropic usage in OpenAI's terms: the prompt includes cache writes and reads (Anthropic counts them apart),
   * and the cache reads are the cached tokens. Counts the object lacks keep their value in {@code previous}: stream
   * events repeat cumulative counts, so the latest value of each field wins.
   */
  static Usage usage(JsonObject u, Usage previous) {
    long cacheWrite = number(u, "cache_creation_input_tokens", -1);
    long cacheRead = number(u, "cache_read_input_tokens", -1);
    long input = number(u, "input_tokens", -1);
    long output = number(u, "output_tokens", previous.completionTokens());
    long prompt;
    long cached;
    if (input < 0 && cacheWrite < 0 && cacheRead < 0) {
      prompt = previous.promptTokens();
      cached = previous.cachedTokens();
    } else {
      prompt = Math.max(0, input) + Math.max(0, cacheWrite) + Math.max(0, cacheRead);
      cached = Math.max(0, cacheRead);
    }
    return new Usage(prompt, output, prompt + output, cached);
  }

  private static long number(JsonObject o, String key, long def) {
    return o.getValue(key) instanceof Number n ? n.longValue() : def;
  }
}
