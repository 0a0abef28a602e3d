package dev.switchboard.server.messages;

import dev.switchboard.ratelimit.TokenEstimator;
import dev.switchboard.api.ApiException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** count_tokens counts the translated system, messages and tools, and needs no max_tokens. */
class MessagesTokenCountTest {

  private static JsonObject body() {
    return new JsonObject().put("model", "claude-x")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "Hello")));
  }

  @Test
  void countsTheTranslatedPromptWithoutMaxTokens() {
    // 3 for the reply's priming + 4 framing for the one message + 1 token for "Hello" (o200k)
    assertThat(MessagesTokenCount.count(body())).isEqualTo(new JsonObject().put("input_tokens", 8));
  }

  @Test
  void systemAndToolsCount() {
    JsonObject tool = new JsonObject().put("name", "get_weather").put("description", "Weather for a place")
        .put("input_schema", new JsonObject().put("type", "object"));
    JsonObject body = body().put("system", new JsonArray().add(new JsonObject().put("type", "text")
        .put("text", "You are terse.").put("cache_control", new JsonObject().put("type", "ephemeral"))))
        .put("tools", new JsonArray().add(tool));

    long counted = MessagesTokenCount.count(body).getLong("input_tokens");

    JsonObject chat = MessagesRequest.from(body.copy().put("max_tokens", 1)).chat();
    assertThat(counted).isEqualTo(TokenEstimator.chatPromptTokens(chat));
    assertThat(counted).isGreaterThan(8 + 4 + 4);
    assertThat(body.containsKey("max_tokens")).as("the client's body is left as it was").isFalse();
  }

  @Test
  void invalidBodyIsA400NamingTheField() {
    JsonObject body = body().put("messages", new JsonArray().add(new JsonObject().put("role", "robot")
        .put("content", "x")));

    assertThatThrownBy(() -> MessagesTokenCount.count(body)).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.error().message()).isEqualTo("messages.0.role: Input should be 'user' or 'assistant'"));
  }
}
