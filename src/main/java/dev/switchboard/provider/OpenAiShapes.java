package dev.switchboard.provider;

import dev.switchboard.api.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Builds the OpenAI reply shapes that translating adapters produce: chat completions, stream chunks, tool calls and
 * usage, field for field as OpenAI sends them, so SDKs parse them without surprises.
 */
public final class OpenAiShapes {
  private OpenAiShapes() {
  }

  /** Unix seconds, as {@code created} carries them. */
  public static long now() {
    return System.currentTimeMillis() / 1000;
  }

  /** An id for a reply whose provider gave none. */
  public static String newId(String prefix) {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    return prefix + Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
  }

  /** OpenAI's {@code usage} object, with the cached part of the prompt in {@code prompt_tokens_details}. */
  public static JsonObject usage(Usage u) {
    return new JsonObject()
        .put("prompt_tokens", u.promptTokens())
        .put("completion_tokens", u.completionTokens())
        .put("total_tokens", u.totalTokens())
        .put("prompt_tokens_details", new JsonObject().put("cached_tokens", u.cachedTokens()));
  }

  /** One tool call as a reply message carries it; {@code arguments} is JSON text. */
  public static JsonObject toolCall(String id, String name, String arguments) {
    return new JsonObject().put("id", id).put("type", "function")
        .put("function", new JsonObject().put("name", name).put("arguments", arguments));
  }

  /** One choice of a {@code chat.completion}: null content when the reply is only tool calls. */
  public static JsonObject choice(int index, String content, JsonArray toolCalls, String finishReason) {
    JsonObject message = new JsonObject().put("role", "assistant").put("content", content).putNull("refusal");
    if (toolCalls != null && !toolCalls.isEmpty()) {
      message.put("tool_calls", toolCalls);
    }
    return new JsonObject().put("index", index).put("message", message).putNull("logprobs")
        .put("finish_reason", finishReason);
  }

  public static JsonObject completion(String id, long created, String model, JsonArray choices, Usage usage) {
    return new JsonObject()
        .put("id", id)
        .put("object", "chat.completion")
        .put("created", created)
        .put("model", model)
        .put("choices", choices)
        .put("usage", usage(usage));
  }

  /** A {@code chat.completion.chunk} with one choice. */
  public static JsonObject chunk(String id, long created, String model, int index, JsonObject delta,
                                 String finishReason) {
    return chunkOf(id, created, model, new JsonArray().add(new JsonObject().put("index", index).put("delta", delta)
        .putNull("logprobs").put("finish_reason", finishReason)));
  }

  /** The final chunk a client that asked for {@code stream_options.include_usage} receives: no choices, the usage. */
  public static JsonObject usageChunk(String id, long created, String model, Usage usage) {
    return chunkOf(id, created, model, new JsonArray()).put("usage", usage(usage));
  }

  private static JsonObject chunkOf(String id, long created, String model, JsonArray choices) {
    return new JsonObject()
        .put("id", id)
        .put("object", "chat.completion.chunk")
        .put("created", created)
        .put("model", model)
        .put("choices", choices);
  }
}
