package dev.switchboard.server.messages;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@code POST /v1/messages} body, validated once and translated to the gateway's chat-completions body.
 *
 * <p>Parameters chat has no word for, but an Anthropic target can use, travel in one extension member,
 * {@value #EXTENSION}: {@code top_k} and {@code thinking} (when not disabled). A provider adapter for Anthropic reads
 * them back; every other adapter must drop the member (OpenAI refuses unknown fields).
 *
 * <p>Anthropic-only parameters without any translation ({@code service_tier}, {@code container},
 * {@code mcp_servers}, {@code context_management} …) are ignored, as a chat client's unknown fields are.
 *
 * @param chat the chat-completions body ({@code model}, {@code messages}, {@code max_completion_tokens}, …)
 * @param stopSequences the request's {@code stop_sequences}, which a reply needs to tell {@code stop_sequence} from
 *     {@code end_turn}
 * @param stream whether the client asked for a stream
 */
public record MessagesRequest(JsonObject chat, List<String> stopSequences, boolean stream) {
  /** The chat body's member that carries Anthropic-only parameters. */
  public static final String EXTENSION = dev.switchboard.api.GatewayRequest.ANTHROPIC_EXTRAS;

  /**
   * Validates and translates a Messages body.
   *
   * @throws dev.switchboard.api.ApiException a 400 whose message names the offending field the way Anthropic
   *     does ({@code max_tokens: Field required}); render it with {@link AnthropicErrorShape}
   */
  public static MessagesRequest from(JsonObject body) {
    JsonObject chat = new JsonObject();
    String model = Fields.string(body, "model", "");
    if (model.isBlank()) {
      throw Fields.invalid("model", "String should have at least 1 character");
    }
    chat.put("model", model);
    Long maxTokens = Fields.optionalInteger(body, "max_tokens", "");
    if (maxTokens == null) {
      throw Fields.invalid("max_tokens", "Field required");
    }
    if (maxTokens < 1) {
      throw Fields.invalid("max_tokens", "Input should be greater than or equal to 1");
    }

    JsonArray messages = new JsonArray();
    system(body.getValue("system"), messages);
    JsonArray in = Fields.optionalArray(body, "messages", "");
    if (in == null) {
      throw Fields.invalid("messages", "Field required");
    }
    MessagesContent.translate(in, messages);
    chat.put("messages", messages);
    // max_completion_tokens: OpenAI's current name (its reasoning models refuse max_tokens); every adapter reads both
    chat.put("max_completion_tokens", maxTokens);

    List<String> stops = stopSequences(body);
    if (!stops.isEmpty()) {
      chat.put("stop", new JsonArray(new ArrayList<>(stops)));
    }
    Number temperature = Fields.optionalNumber(body, "temperature", 0, 1, "");
    if (temperature != null) {
      chat.put("temperature", temperature);
    }
    Number topP = Fields.optionalNumber(body, "top_p", 0, 1, "");
    if (topP != null) {
      chat.put("top_p", topP);
    }
    JsonObject metadata = Fields.optionalObject(body, "metadata", "");
    if (metadata != null) {
      String user = Fields.optionalString(metadata, "user_id", "metadata");
      if (user != null && !user.isEmpty()) {
        chat.put("user", user);
      }
    }
    MessagesTools.translate(body, chat);
    JsonObject extension = extension(body);
    if (!extension.isEmpty()) {
      chat.put(EXTENSION, extension);
    }
    boolean stream = Fields.flag(body, "stream", "");
    if (stream) {
      chat.put("stream", true).put("stream_options", new JsonObject().put("include_usage", true));
    }
    return new MessagesRequest(chat, stops, stream);
  }

  /** A string or text blocks -> one system message; blocks are joined by a blank line, cache_control dropped. */
  private static void system(Object system, JsonArray out) {
    if (system == null) {
      return;
    }
    StringBuilder text = new StringBuilder();
    if (system instanceof String s) {
      text.append(s);
    } else if (system instanceof JsonArray blocks) {
      for (int i = 0; i < blocks.size(); i++) {
        String at = "system." + i;
        JsonObject block = Fields.asObject(blocks.getValue(i), at);
        if (!"text".equals(Fields.string(block, "type", at))) {
          throw Fields.invalid(at + ".type", "Input should be 'text'");
        }
        String t = Fields.string(block, "text", at);
        if (!t.isEmpty()) {
          text.append(text.isEmpty() ? "" : "\n\n").append(t);
        }
      }
    } else {
      throw Fields.invalid("system", "Input should be a valid string or a list of text blocks");
    }
    if (!text.isEmpty()) {
      out.add(new JsonObject().put("role", "system").put("content", text.toString()));
    }
  }

  private static List<String> stopSequences(JsonObject body) {
    JsonArray given = Fields.optionalArray(body, "stop_sequences", "");
    List<String> stops = new ArrayList<>();
    if (given != null) {
      for (int i = 0; i < given.size(); i++) {
        stops.add(Fields.asString(given.getValue(i), "stop_sequences." + i));
      }
    }
    return List.copyOf(stops);
  }

  private static JsonObject extension(JsonObject body) {
    JsonObject extension = new JsonObject();
    Long topK = Fields.optionalInteger(body, "top_k", "");
    if (topK != null) {
      if (topK < 0) {
        throw Fields.invalid("top_k", "Input should be greater than or equal to 0");
      }
      extension.put("top_k", topK);
    }
    JsonObject thinking = Fields.optionalObject(body, "thinking", "");
    if (thinking != null && !"disabled".equals(Fields.string(thinking, "type", "thinking"))) {
      if ("enabled".equals(thinking.getValue("type"))) {
        Long budget = Fields.optionalInteger(thinking, "budget_tokens", "thinking");
        if (budget == null) {
          throw Fields.invalid("thinking.budget_tokens", "Field required");
        }
      }
      extension.put("thinking", thinking.copy());
    }
    return extension;
  }
}
