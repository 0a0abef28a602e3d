package dev.switchboard.server.responses;

import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * A validated {@code POST /v1/responses} body and its chat-completions translation. {@link #parse} refuses what the
 * gateway cannot honour with a 400 naming the field (an {@link ApiException}); nothing is silently dropped except
 * what is documented here: {@code truncation: "auto"} (accepted, not performed: an over-long conversation fails
 * upstream with the provider's context-length error), {@code reasoning.summary} (no target produces summaries
 * through chat completions), {@code stream_options} (only {@code include_obfuscation}, which has no meaning here)
 * and {@code reasoning} input items (opaque OpenAI state that chat completions cannot take back).
 *
 * <p>{@code max_output_tokens} becomes {@code max_completion_tokens}: OpenAI's reasoning models refuse
 * {@code max_tokens}, and every adapter reads either. {@code metadata} and {@code store} stay with the gateway
 * (echoed and stored), they are not sent upstream. {@code previous_response_id} is resolved by the caller, which
 * prepends the stored conversation with {@link #withHistory}. Immutable.
 */
public final class ResponsesRequest {
  /** Fields this translation reads; any other top-level field is an unknown parameter, as OpenAI answers. */
  private static final Set<String> KNOWN = Set.of("model", "input", "instructions", "tools", "tool_choice",
      "parallel_tool_calls", "temperature", "top_p", "max_output_tokens", "text", "reasoning", "metadata", "user",
      "stream", "stream_options", "store", "previous_response_id", "truncation", "include", "background",
      "service_tier", "safety_identifier", "prompt_cache_key", "conversation", "prompt", "max_tool_calls",
      "top_logprobs");
  /** {@code include} values that need nothing extra: input image URLs are kept in the stored input anyway. */
  private static final Set<String> INCLUDABLE = Set.of("message.input_image.image_url");

  private final JsonObject body;
  private final JsonArray input;
  private final JsonArray history;
  private final JsonObject chat;

  private ResponsesRequest(JsonObject body, JsonArray input, JsonArray history) {
    this.body = body;
    this.input = input;
    this.history = history;
    this.chat = ChatTranslation.of(body, conversation(), history.size());
  }

  /** Validates a Responses body and translates it; throws {@link ApiException} (400, param named) when it cannot. */
  public static ResponsesRequest parse(JsonObject body) {
    for (String field : body.fieldNames()) {
      if (!KNOWN.contains(field)) {
        throw new ApiException(ApiError.invalid("Unknown parameter: '" + field + "'.", field, "unknown_parameter"));
      }
    }
    if (!(body.getValue("model") instanceof String model) || model.isBlank()) {
      throw new ApiException(body.getValue("model") == null ? ApiError.missingParam("model")
          : ApiError.invalidType("model", "a non-empty string"));
    }
    refuseUnsupported(body);
    checkTypes(body);
    JsonArray input = ResponsesInput.normalize(body.getValue("input"), body.getValue("previous_response_id") != null);
    ResponsesTools.check(body);
    ChatTranslation.checkFormat(body);
    return new ResponsesRequest(body, input, new JsonArray());
  }

  /**
   * This request continuing a stored one ({@code previous_response_id}): the prior conversation's input items and
   * then its output items go before this request's input. Instructions are not carried over, as OpenAI does.
   */
  public ResponsesRequest withHistory(JsonArray priorInput, JsonArray priorOutput) {
    JsonArray prior = new JsonArray();
    priorInput.forEach(prior::add);
    priorOutput.forEach(prior::add);
    return new ResponsesRequest(body, input, prior);
  }

  /** The chat-completions body to route (treat as read-only); the model is the one the client asked for. */
  public JsonObject chatBody() {
    return chat;
  }

  public String model() {
    return body.getString("model");
  }

  public boolean stream() {
    return Boolean.TRUE.equals(body.getValue("stream"));
  }

  /** Whether the response is to be kept for {@code previous_response_id} and {@code GET}; OpenAI's default is true. */
  public boolean store() {
    return !Boolean.FALSE.equals(body.getValue("store"));
  }

  /** The response this one continues, or null. */
  public String previousResponseId() {
    return body.getValue("previous_response_id") instanceof String s ? s : null;
  }

  /** This request's own input items, normalised (a string input is one user message). */
  public JsonArray input() {
    return input;
  }

  /** The whole conversation as input items: history (if any) then this request's input; what a store keeps. */
  public JsonArray conversation() {
    JsonArray all = new JsonArray();
    history.forEach(all::add);
    input.forEach(all::add);
    return all;
  }

  /** The request fields a response object echoes, with OpenAI's defaults where the client sent none. */
  JsonObject echo() {
    return new JsonObject()
        .put("instructions", body.getValue("instructions"))
        .put("max_output_tokens", body.getValue("max_output_tokens"))
        .put("parallel_tool_calls", !Boolean.FALSE.equals(body.getValue("parallel_tool_calls")))
        .put("previous_response_id", previousResponseId())
        .put("reasoning", body.getValue("reasoning") instanceof JsonObject r ? r.copy()
            : new JsonObject().put("effort", null).put("summary", null))
        .put("store", store())
        .put("temperature", body.getValue("temperature"))
        .put("text", text())
        .put("tool_choice", body.getValue("tool_choice") == null ? "auto" : body.getValue("tool_choice"))
        .put("tools", body.getValue("tools") instanceof JsonArray t ? t.copy() : new JsonArray())
        .put("top_p", body.getValue("top_p"))
        .put("truncation", body.getValue("truncation") instanceof String t ? t : "disabled")
        .put("user", body.getValue("user"))
        .put("metadata", body.getValue("metadata") instanceof JsonObject m ? m.copy() : new JsonObject());
  }

  /** The {@code text} options as the response echoes them: the client's, with the default plain-text format. */
  private JsonObject text() {
    JsonObject text = body.getValue("text") instanceof JsonObject t ? t.copy() : new JsonObject();
    if (text.getValue("format") == null) {
      text.put("format", new JsonObject().put("type", "text"));
    }
    return text;
  }

  private static void refuseUnsupported(JsonObject body) {
    if (Boolean.TRUE.equals(body.getValue("background"))) {
      throw unsupported("background", "Background responses are not supported by this gateway; "
          + "send the request without 'background' (or stream it).");
    }
    if (body.getValue("conversation") != null) {
      throw unsupported("conversation", "Conversations are not supported by this gateway; "
          + "continue a conversation with 'previous_response_id' or send the whole input.");
    }
    if (body.getValue("prompt") != null) {
      throw unsupported("prompt", "Stored prompt templates are not supported by this gateway; "
          + "send 'instructions' and 'input' instead.");
    }
    if (body.getValue("max_tool_calls") != null) {
      throw unsupported("max_tool_calls", "'max_tool_calls' is not supported by this gateway (it applies to "
          + "built-in tools, which it does not run).");
    }
    if (body.getValue("top_logprobs") instanceof Number n && n.intValue() > 0) {
      throw unsupported("top_logprobs", "Log probabilities are not supported on /v1/responses by this gateway; "
          + "use /v1/chat/completions with 'logprobs'.");
    }
    Object truncation = body.getValue("truncation");
    if (truncation != null && !"auto".equals(truncation) && !"disabled".equals(truncation)) {
      throw new ApiException(ApiError.invalidParam("truncation",
          "Invalid value for 'truncation': expected 'auto' or 'disabled'."));
    }
    if (body.getValue("include") instanceof JsonArray include) {
      for (int i = 0; i < include.size(); i++) {
        Object value = include.getValue(i);
        if (!INCLUDABLE.contains(value)) {
          throw unsupported("include[" + i + "]", "'include' value '" + value + "' is not supported by this "
              + "gateway; it can honour only " + INCLUDABLE + ".");
        }
      }
    } else if (body.getValue("include") != null) {
      throw new ApiException(ApiError.invalidType("include", "an array of strings"));
    }
  }

  private static void checkTypes(JsonObject body) {
    type(body, "instructions", String.class, "a string");
    type(body, "temperature", Number.class, "a number");
    type(body, "top_p", Number.class, "a number");
    type(body, "parallel_tool_calls", Boolean.class, "a boolean");
    type(body, "stream", Boolean.class, "a boolean");
    type(body, "store", Boolean.class, "a boolean");
    type(body, "user", String.class, "a string");
    type(body, "previous_response_id", String.class, "a string");
    type(body, "metadata", JsonObject.class, "an object");
    type(body, "reasoning", JsonObject.class, "an object");
    type(body, "text", JsonObject.class, "an object");
    Object max = body.getValue("max_output_tokens");
    if (max != null && !(max instanceof Integer || max instanceof Long) || max instanceof Number n && n.longValue() < 1) {
      throw new ApiException(ApiError.invalidType("max_output_tokens", "a positive integer"));
    }
    if (body.getValue("metadata") instanceof JsonObject metadata) {
      for (String key : metadata.fieldNames()) {
        if (!(metadata.getValue(key) instanceof String)) {
          throw new ApiException(ApiError.invalidType("metadata." + key, "a string"));
        }
      }
    }
    if (body.getValue("reasoning") instanceof JsonObject reasoning && reasoning.getValue("effort") != null
        && !(reasoning.getValue("effort") instanceof String)) {
      throw new ApiException(ApiError.invalidType("reasoning.effort", "a string"));
    }
  }

  private static void type(JsonObject body, String field, Class<?> expected, String description) {
    Object value = body.getValue(field);
    if (value != null && !expected.isInstance(value)) {
      throw new ApiException(ApiError.invalidType(field, description));
    }
  }

  static ApiException unsupported(String param, String message) {
    return new ApiException(ApiError.invalid(message, param, "unsupported_parameter"));
  }
}
