package dev.switchboard.server.messages;

import dev.switchboard.provider.OpenAiShapes;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A {@code chat.completion} reply as an Anthropic {@code Message}. The first choice is the message (a Messages request
 * asks for one). Text becomes one text block, each tool call a {@code tool_use} block in the order chat gave them.
 *
 * <p>Tool-call arguments that are not a JSON object (a model cut off by the token limit, a broken provider) cannot be
 * a {@code tool_use.input}, which must be an object; rather than drop them or fail the whole reply, the raw text is
 * kept as {@code {"_invalid_arguments": "<text>"}}, so a client's schema check rejects the call visibly and nothing is
 * lost. Empty arguments are {@code {}}.
 */
public final class MessagesReply {
  /** The member of {@code tool_use.input} that carries arguments that were not a JSON object. */
  public static final String INVALID_ARGUMENTS = "_invalid_arguments";

  private MessagesReply() {
  }

  /**
   * @param completion the chat-completions reply
   * @param stopSequences the request's {@code stop_sequences} ({@link MessagesRequest#stopSequences()})
   * @param fallbackModel the model named when the reply names none
   */
  public static JsonObject toMessage(JsonObject completion, List<String> stopSequences, String fallbackModel) {
    JsonObject choice = completion.getValue("choices") instanceof JsonArray choices && !choices.isEmpty()
        && choices.getValue(0) instanceof JsonObject c ? c : new JsonObject();
    JsonObject message = choice.getValue("message") instanceof JsonObject m ? m : new JsonObject();
    JsonArray content = new JsonArray();
    String text = text(message.getValue("content"));
    String refusal = message.getValue("refusal") instanceof String r && !r.isEmpty() ? r : null;
    if (!text.isEmpty()) {
      content.add(new JsonObject().put("type", "text").put("text", text));
    } else if (refusal != null) {
      content.add(new JsonObject().put("type", "text").put("text", refusal));
    }
    if (message.getValue("tool_calls") instanceof JsonArray calls) {
      for (Object o : calls) {
        if (o instanceof JsonObject call) {
          JsonObject fn = call.getValue("function") instanceof JsonObject f ? f : new JsonObject();
          content.add(toolUse(call.getValue("id") instanceof String id && !id.isEmpty() ? id : newToolId(),
              fn.getValue("name") instanceof String n ? n : "", input(fn.getValue("arguments"))));
        }
      }
    }
    StopReason stop = refusal != null && text.isEmpty() ? new StopReason("refusal", null)
        : StopReason.of(choice.getValue("finish_reason"), choice.getValue("stop_reason"), stopSequences);
    return new JsonObject()
        .put("id", messageId(completion.getValue("id")))
        .put("type", "message")
        .put("role", "assistant")
        .put("model", completion.getValue("model") instanceof String m ? m : fallbackModel)
        .put("content", content)
        .put("stop_reason", stop.reason())
        .put("stop_sequence", stop.sequence())
        .put("usage", usage(completion.getValue("usage") instanceof JsonObject u ? u : new JsonObject()));
  }

  static JsonObject toolUse(String id, String name, JsonObject input) {
    return new JsonObject().put("type", "tool_use").put("id", id).put("name", name).put("input", input);
  }

  /** The arguments text as a {@code tool_use.input}; see the class comment for what is not a JSON object. */
  static JsonObject input(Object arguments) {
    String text = arguments instanceof String s ? s : arguments == null ? "" : arguments.toString();
    if (text.isBlank()) {
      return new JsonObject();
    }
    try {
      if (Json.decodeValue(text) instanceof JsonObject o) {
        return o;
      }
    } catch (DecodeException e) {
      // falls through: not JSON
    }
    return new JsonObject().put(INVALID_ARGUMENTS, text);
  }

  /**
   * Chat usage as Anthropic's. Anthropic counts cache reads apart from {@code input_tokens}, so
   * {@code input_tokens = prompt_tokens - cached_tokens} and {@code cache_read_input_tokens = cached_tokens}; chat
   * does not report cache writes, so they stay inside {@code input_tokens} and {@code cache_creation_input_tokens}
   * is 0.
   */
  static JsonObject usage(JsonObject usage) {
    long prompt = number(usage, "prompt_tokens");
    long cached = usage.getValue("prompt_tokens_details") instanceof JsonObject d ? number(d, "cached_tokens") : 0;
    cached = Math.min(cached, prompt);
    return new JsonObject()
        .put("input_tokens", prompt - cached)
        .put("output_tokens", number(usage, "completion_tokens"))
        .put("cache_creation_input_tokens", 0)
        .put("cache_read_input_tokens", cached);
  }

  /** {@code msg_…}: an Anthropic id is kept, a chat id loses its {@code chatcmpl-} prefix, none gets a new one. */
  static String messageId(Object chatId) {
    if (!(chatId instanceof String id) || id.isEmpty()) {
      return OpenAiShapes.newId("msg_");
    }
    if (id.startsWith("msg_")) {
      return id;
    }
    return "msg_" + (id.startsWith("chatcmpl-") ? id.substring("chatcmpl-".length()) : id);
  }

  static String newToolId() {
    return OpenAiShapes.newId("toolu_");
  }

  private static String text(Object content) {
    if (content instanceof String s) {
      return s;
    }
    StringBuilder text = new StringBuilder();
    if (content instanceof JsonArray parts) {
      for (Object p : parts) {
        if (p instanceof JsonObject part && part.getValue("text") instanceof String t) {
          text.append(t);
        }
      }
    }
    return text.toString();
  }

  private static long number(JsonObject o, String key) {
    return o.getValue(key) instanceof Number n ? Math.max(0, n.longValue()) : 0;
  }
}
