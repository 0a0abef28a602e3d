package dev.switchboard.server.messages;

import dev.switchboard.ratelimit.TokenEstimator;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;

/**
 * {@code POST /v1/messages/count_tokens}: the body is validated and translated as a Messages request (without the
 * need for {@code max_tokens}), and the translated system, messages and tools are counted the way the gateway counts
 * any chat prompt ({@link TokenEstimator}: o200k tokens plus per-message framing, images at a flat rate). For
 * non-Anthropic targets that is their own kind of count; for Claude models it is an estimate, as Claude's tokenizer is
 * not public.
 */
public final class MessagesTokenCount {
  private MessagesTokenCount() {
  }

  /**
   * @return {@code {"input_tokens": N}}
   * @throws dev.switchboard.api.ApiException a 400 naming the offending field, as {@link MessagesRequest#from}
   */
  public static JsonObject count(JsonObject body) {
    JsonObject request = body;
    if (!body.containsKey("max_tokens")) {
      // count_tokens takes no max_tokens; a shallow copy keeps the client's body as it was
      request = new JsonObject(new LinkedHashMap<>(body.getMap())).put("max_tokens", 1);
    }
    JsonObject chat = MessagesRequest.from(request).chat();
    return new JsonObject().put("input_tokens", TokenEstimator.chatPromptTokens(chat));
  }
}
