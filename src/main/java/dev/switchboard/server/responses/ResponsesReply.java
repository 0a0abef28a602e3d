package dev.switchboard.server.responses;

import dev.switchboard.api.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * A chat-completions reply -> a Responses object. The assistant's text becomes one {@code message} item (a refusal
 * its {@code refusal} part), each tool call a {@code function_call} item, in that order; finish reason
 * {@code length} or {@code content_filter} makes the response {@code incomplete} with that reason, and its items
 * {@code incomplete}. Item ids derive from the response id ({@code msg_<id>_<n>}, {@code fc_<id>_<n>}), so they are
 * unique without a random source and a stored response reads the same every time.
 */
public final class ResponsesReply {
  private ResponsesReply() {
  }

  /**
   * @param responseId the id the caller gave this response ({@code resp_…})
   * @param createdAtSeconds the response's creation time, epoch seconds
   */
  public static JsonObject toResponse(JsonObject chatReply, ResponsesRequest request, String responseId,
                                      long createdAtSeconds) {
    JsonObject choice = chatReply.getValue("choices") instanceof JsonArray choices && !choices.isEmpty()
        && choices.getValue(0) instanceof JsonObject c ? c : new JsonObject();
    JsonObject message = choice.getValue("message") instanceof JsonObject m ? m : new JsonObject();
    String reason = incompleteReason(choice.getValue("finish_reason"));
    String itemStatus = reason == null ? "completed" : "incomplete";
    JsonArray output = new JsonArray();
    String text = message.getValue("content") instanceof String s ? s : "";
    String refusal = message.getValue("refusal") instanceof String s ? s : "";
    if (!text.isEmpty() || !refusal.isEmpty()) {
      JsonArray content = new JsonArray();
      if (!text.isEmpty()) {
        content.add(textPart(text));
      }
      if (!refusal.isEmpty()) {
        content.add(new JsonObject().put("type", "refusal").put("refusal", refusal));
      }
      output.add(messageItem(itemId("msg", responseId, output.size()), itemStatus, content));
    }
    if (message.getValue("tool_calls") instanceof JsonArray calls) {
      for (Object o : calls) {
        if (o instanceof JsonObject call && call.getValue("function") instanceof JsonObject fn) {
          output.add(functionCallItem(itemId("fc", responseId, output.size()), itemStatus,
              call.getValue("id") instanceof String id ? id : itemId("call", responseId, output.size()),
              fn.getValue("name") instanceof String name ? name : "",
              fn.getValue("arguments") instanceof String args ? args : ""));
        }
      }
    }
    String model = chatReply.getValue("model") instanceof String m ? m : request.model();
    JsonObject response = skeleton(request, responseId, createdAtSeconds, model,
        reason == null ? "completed" : "incomplete");
    if (reason != null) {
      response.put("incomplete_details", new JsonObject().put("reason", reason));
    }
    return response.put("output", output)
        .put("usage", usage(chatReply.getValue("usage") instanceof JsonObject u ? u : null, null));
  }

  /**
   * A response object in OpenAI's field order with the request's echoed fields, no output and no usage.
   *
   * @param status {@code in_progress}, {@code completed}, {@code incomplete} or {@code failed}
   */
  static JsonObject skeleton(ResponsesRequest request, String responseId, long createdAtSeconds, String model,
                             String status) {
    JsonObject echo = request.echo();
    JsonObject response = new JsonObject()
        .put("id", responseId)
        .put("object", "response")
        .put("created_at", createdAtSeconds)
        .put("status", status)
        .put("background", false)
        .put("error", null)
        .put("incomplete_details", null);
    echo.forEach(e -> response.put(e.getKey(), e.getValue()));
    return response.put("model", model).put("output", new JsonArray()).put("usage", null);
  }

  /** The Responses reason for a chat finish reason that cut the reply short, or null when it did not. */
  static String incompleteReason(Object finishReason) {
    if ("length".equals(finishReason)) {
      return "max_output_tokens";
    }
    return "content_filter".equals(finishReason) ? "content_filter" : null;
  }

  /**
   * Responses usage from a chat {@code usage} object; when there is none, from {@code fallback} (an estimate the
   * caller made); null when neither is known (the field is then null, as OpenAI allows).
   */
  static JsonObject usage(JsonObject chatUsage, Usage fallback) {
    if (chatUsage == null) {
      return fallback == null ? null : usage(fallback.promptTokens(), fallback.cachedTokens(), 0,
          fallback.completionTokens(), 0, fallback.totalTokens());
    }
    long input = number(chatUsage, "prompt_tokens");
    long output = number(chatUsage, "completion_tokens");
    JsonObject promptDetails = chatUsage.getValue("prompt_tokens_details") instanceof JsonObject d ? d : new JsonObject();
    long cached = number(promptDetails, "cached_tokens");
    long cacheWrite = number(promptDetails, "cache_write_tokens");
    long reasoning = chatUsage.getValue("completion_tokens_details") instanceof JsonObject d
        ? number(d, "reasoning_tokens") : 0;
    long total = chatUsage.getValue("total_tokens") instanceof Number n ? n.longValue() : input + output;
    return usage(input, cached, cacheWrite, output, reasoning, total);
  }

  private static JsonObject usage(long input, long cached, long cacheWrite, long output, long reasoning, long total) {
    return new JsonObject()
        .put("input_tokens", input)
        .put("input_tokens_details", new JsonObject().put("cached_tokens", cached).put("cache_write_tokens", cacheWrite))
        .put("output_tokens", output)
        .put("output_tokens_details", new JsonObject().put("reasoning_tokens", reasoning))
        .put("total_tokens", total);
  }

  static String itemId(String prefix, String responseId, int outputIndex) {
    String base = responseId.startsWith("resp_") ? responseId.substring(5) : responseId;
    return prefix + "_" + base + "_" + outputIndex;
  }

  static JsonObject textPart(String text) {
    return new JsonObject().put("type", "output_text").put("text", text).put("annotations", new JsonArray());
  }

  static JsonObject messageItem(String id, String status, JsonArray content) {
    return new JsonObject().put("id", id).put("type", "message").put("status", status).put("role", "assistant")
        .put("content", content);
  }

  static JsonObject functionCallItem(String id, String status, String callId, String name, String arguments) {
    return new JsonObject().put("id", id).put("type", "function_call").put("status", status)
        .put("call_id", callId).put("name", name).put("arguments", arguments);
  }

  private static long number(JsonObject o, String key) {
    return o.getValue(key) instanceof Number n ? n.longValue() : 0;
  }
}
