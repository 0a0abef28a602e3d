package dev.switchboard.server.responses;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Builds the chat-completions body of a validated Responses request (see {@link ResponsesRequest} for the rules). */
final class ChatTranslation {
  private ChatTranslation() {
  }

  static JsonObject of(JsonObject body, JsonArray conversation, int historySize) {
    JsonObject chat = new JsonObject().put("model", body.getString("model"));
    JsonArray messages = new JsonArray();
    if (body.getValue("instructions") instanceof String instructions && !instructions.isEmpty()) {
      messages.add(new JsonObject().put("role", "system").put("content", instructions));
    }
    ResponsesInput.toMessages(conversation, historySize, messages);
    if (messages.isEmpty()) {
      throw new ApiException(ApiError.invalidParam("input", "The request has no input: 'input' is empty and there "
          + "are no instructions or earlier conversation."));
    }
    chat.put("messages", messages);
    copy(body, "temperature", chat, "temperature");
    copy(body, "top_p", chat, "top_p");
    copy(body, "max_output_tokens", chat, "max_completion_tokens");
    copy(body, "user", chat, "user");
    copy(body, "service_tier", chat, "service_tier");
    copy(body, "safety_identifier", chat, "safety_identifier");
    copy(body, "prompt_cache_key", chat, "prompt_cache_key");
    ResponsesTools.translate(body, chat);
    if (body.getValue("text") instanceof JsonObject text) {
      if (text.getValue("format") instanceof JsonObject format) {
        JsonObject responseFormat = responseFormat(format);
        if (responseFormat != null) {
          chat.put("response_format", responseFormat);
        }
      }
      copy(text, "verbosity", chat, "verbosity");
    }
    if (body.getValue("reasoning") instanceof JsonObject reasoning && reasoning.getValue("effort") instanceof String e) {
      chat.put("reasoning_effort", e);
    }
    if (Boolean.TRUE.equals(body.getValue("stream"))) {
      // Usage must reach the final response.completed event, so it is always asked for.
      chat.put("stream", true).put("stream_options", new JsonObject().put("include_usage", true));
    }
    return chat;
  }

  /** Refuses a {@code text.format} that chat's {@code response_format} cannot express. */
  static void checkFormat(JsonObject body) {
    if (!(body.getValue("text") instanceof JsonObject text) || text.getValue("format") == null) {
      return;
    }
    if (!(text.getValue("format") instanceof JsonObject format)) {
      throw new ApiException(ApiError.invalidType("text.format", "an object"));
    }
    Object type = format.getValue("type");
    switch (type instanceof String t ? t : "") {
      case "text", "json_object" -> {
      }
      case "json_schema" -> {
        if (!(format.getValue("name") instanceof String)) {
          throw new ApiException(ApiError.missingParam("text.format.name"));
        }
        if (!(format.getValue("schema") instanceof JsonObject)) {
          throw new ApiException(format.getValue("schema") == null ? ApiError.missingParam("text.format.schema")
              : ApiError.invalidType("text.format.schema", "a JSON schema object"));
        }
      }
      default -> throw new ApiException(ApiError.invalidParam("text.format.type",
          "Invalid value for 'text.format.type': expected 'text', 'json_object' or 'json_schema'."));
    }
  }

  private static JsonObject responseFormat(JsonObject format) {
    return switch (format.getString("type")) {
      case "json_object" -> new JsonObject().put("type", "json_object");
      case "json_schema" -> {
        JsonObject schema = new JsonObject().put("name", format.getString("name"));
        if (format.getValue("description") instanceof String d) {
          schema.put("description", d);
        }
        schema.put("schema", format.getJsonObject("schema").copy());
        if (format.getValue("strict") instanceof Boolean strict) {
          schema.put("strict", strict);
        }
        yield new JsonObject().put("type", "json_schema").put("json_schema", schema);
      }
      default -> null;  // plain text is chat's default
    };
  }

  private static void copy(JsonObject from, String key, JsonObject to, String as) {
    Object value = from.getValue(key);
    if (value != null) {
      to.put(as, value);
    }
  }
}
