package dev.switchboard.server.messages;

import com.anthropic.models.messages.MessageCreateParams;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.switchboard.api.ApiError;
import dev.switchboard.api.ApiException;
import dev.switchboard.testing.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Golden tests: Messages request bodies (fixtures/messages/requests/NAME.json, each a valid body for anthropic-java's
 * {@code MessageCreateParams.Body}) -> the exact chat-completions body (NAME.chat.json, valid for openai-java's
 * {@code ChatCompletionCreateParams.Body}); and the 400s Anthropic would give, naming the field.
 */
class MessagesRequestTest {

  private static JsonObject fixture(String name) {
    return new JsonObject(Fixtures.text("messages/requests/" + name + ".json"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"system-string", "system-blocks", "media", "tool-round", "params"})
  void translatesToTheGoldenChatBody(String name) throws Exception {
    JsonObject body = fixture(name);
    com.anthropic.core.ObjectMappers.jsonMapper().readValue(body.encode(), MessageCreateParams.Body.class).validate();

    JsonObject chat = MessagesRequest.from(body).chat();

    String golden = "messages/requests/" + name + ".chat.json";
    if (Fixtures.class.getResource("/fixtures/" + golden) == null) {
      Path out = Path.of("target", "golden", golden);
      try {
        Files.createDirectories(out.getParent());
        Files.writeString(out, chat.encodePrettily() + "\n", StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      throw new AssertionError("no golden file " + golden + "; the actual output is in " + out + " for review");
    }
    assertThat(chat).isEqualTo(new JsonObject(Fixtures.text(golden)));
    JsonObject forOpenAi = chat.copy();
    forOpenAi.remove(MessagesRequest.EXTENSION);
    // the SDK's validate() knows only OpenAI's model names; the gateway routes any name
    forOpenAi.put("model", "gpt-4o");
    com.openai.core.ObjectMappers.jsonMapper().readValue(forOpenAi.encode(), ChatCompletionCreateParams.Body.class)
        .validate();
  }

  @Test
  void toolRoundBecomesToolCallsThenToolMessagesThenTheRestOfTheUserTurn() {
    JsonArray messages = MessagesRequest.from(fixture("tool-round")).chat().getJsonArray("messages");

    assertThat(messages.stream().map(m -> ((JsonObject) m).getString("role")).toList())
        .containsExactly("user", "assistant", "tool", "tool", "tool", "user");
    JsonObject assistant = messages.getJsonObject(1);
    assertThat(assistant.getString("content")).as("thinking blocks are dropped").isEqualTo("Checking.");
    assertThat(assistant.getJsonArray("tool_calls").getJsonObject(1).getJsonObject("function").getString("arguments"))
        .isEqualTo("{\"location\":\"東京\"}");
    assertThat(messages.getJsonObject(3).getString("content")).isEqualTo("Error: Service down");
    assertThat(messages.getJsonObject(5).getJsonArray("content").getJsonObject(0).getString("type"))
        .as("an image from a tool result follows in the user message").isEqualTo("image_url");
  }

  @Test
  void anthropicOnlyParametersTravelInTheExtension() {
    MessagesRequest request = MessagesRequest.from(fixture("params"));

    assertThat(request.chat().getJsonObject(MessagesRequest.EXTENSION)).isEqualTo(new JsonObject().put("top_k", 40));
    assertThat(request.stopSequences()).containsExactly("\n\nHuman:", "END");
    assertThat(request.stream()).isTrue();
    assertThat(MessagesRequest.from(fixture("tool-round")).chat().getJsonObject(MessagesRequest.EXTENSION))
        .isEqualTo(new JsonObject().put("thinking", new JsonObject().put("type", "enabled").put("budget_tokens", 1024)));
    assertThat(MessagesRequest.from(fixture("system-string")).chat().containsKey(MessagesRequest.EXTENSION)).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{\"type\":\"auto\"}                                         | \"auto\"                                          | ",
      "{\"type\":\"any\"}                                          | \"required\"                                      | ",
      "{\"type\":\"none\"}                                         | \"none\"                                          | ",
      "{\"type\":\"tool\",\"name\":\"f\"}                          | {\"type\":\"function\",\"function\":{\"name\":\"f\"}} | ",
      "{\"type\":\"any\",\"disable_parallel_tool_use\":true}       | \"required\"                                      | false",
      "{\"type\":\"none\",\"disable_parallel_tool_use\":true}      | \"none\"                                          | ",
  })
  void toolChoiceForms(String given, String expected, Boolean parallel) {
    JsonObject body = minimal().put("tools", new JsonArray().add(new JsonObject().put("name", "f")
        .put("input_schema", new JsonObject().put("type", "object")))).put("tool_choice", new JsonObject(given));

    JsonObject chat = MessagesRequest.from(body).chat();

    assertThat(chat.getValue("tool_choice")).isEqualTo(io.vertx.core.json.Json.decodeValue(expected));
    assertThat(chat.getValue("parallel_tool_calls")).isEqualTo(parallel);
  }

  @Test
  void toolChoiceWithoutToolsIsLeftOut() {
    JsonObject chat = MessagesRequest.from(minimal().put("tool_choice", new JsonObject().put("type", "any"))).chat();

    assertThat(chat.containsKey("tool_choice")).isFalse();
    assertThat(chat.containsKey("tools")).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      // what is wrong                                         | field named in param and message
      "remove:max_tokens                                       | max_tokens",
      "remove:model                                            | model",
      "remove:messages                                         | messages",
      "set:max_tokens=0                                        | max_tokens",
      "set:max_tokens=\"ten\"                                  | max_tokens",
      "set:temperature=1.5                                     | temperature",
      "set:top_k=-1                                            | top_k",
      "set:stop_sequences=[1]                                  | stop_sequences.0",
      "set:system=[{\"type\":\"image\"}]                       | system.0.type",
      "set:messages=[{\"role\":\"system\",\"content\":\"x\"}]  | messages.0.role",
      "set:messages=[{\"role\":\"user\"}]                      | messages.0.content",
      "set:messages=[{\"role\":\"user\",\"content\":[{\"type\":\"search_result\"}]}]                  | messages.0.content.0.type",
      "set:messages=[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"file\",\"file_id\":\"f\"}}]}] | messages.0.content.0.source.type",
      "set:messages=[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\"}}]}] | messages.0.content.0.source.media_type",
      "set:messages=[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\"}]}] | messages.0.content.0.input",
      "set:tools=[{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}]                        | tools.0.type",
      "set:tools=[{\"name\":\"f\"}]                                                                  | tools.0.input_schema",
      "set:thinking={\"type\":\"enabled\"}                     | thinking.budget_tokens",
  })
  void invalidBodiesAre400sNamingTheField(String change, String field) {
    JsonObject body = minimal();
    if (change.startsWith("remove:")) {
      body.remove(change.substring("remove:".length()));
    } else {
      String[] kv = change.substring("set:".length()).split("=", 2);
      body.put(kv[0], io.vertx.core.json.Json.decodeValue(kv[1]));
    }

    assertThatThrownBy(() -> MessagesRequest.from(body))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          ApiError error = e.error();
          assertThat(error.status()).isEqualTo(400);
          assertThat(error.param()).isEqualTo(field);
          assertThat(error.message()).startsWith(field + ": ");
          assertThat(AnthropicErrorShape.body(error).getJsonObject("error").getString("type"))
              .isEqualTo("invalid_request_error");
        });
  }

  @Test
  void missingMaxTokensReadsLikeAnthropic() {
    JsonObject body = minimal();
    body.remove("max_tokens");

    assertThatThrownBy(() -> MessagesRequest.from(body)).isInstanceOfSatisfying(ApiException.class, e ->
        assertThat(AnthropicErrorShape.body(e.error())).isEqualTo(new JsonObject().put("type", "error").put("error",
            new JsonObject().put("type", "invalid_request_error").put("message", "max_tokens: Field required"))));
  }

  @Test
  void serverToolIsRefusedByName() {
    JsonObject body = minimal().put("tools", new JsonArray().add(new JsonObject()
        .put("type", "web_search_20250305").put("name", "web_search").put("max_uses", 5)));

    assertThatThrownBy(() -> MessagesRequest.from(body)).isInstanceOfSatisfying(ApiException.class, e ->
        assertThat(e.error().message()).startsWith("tools.0.type: server tool 'web_search_20250305'"));
  }

  @Test
  void streamAsksUpstreamForUsage() {
    JsonObject chat = MessagesRequest.from(minimal().put("stream", true)).chat();

    assertThat(chat.getBoolean("stream")).isTrue();
    assertThat(chat.getJsonObject("stream_options")).isEqualTo(new JsonObject().put("include_usage", true));
    assertThat(MessagesRequest.from(minimal()).chat().containsKey("stream")).isFalse();
  }

  private static JsonObject minimal() {
    return new JsonObject().put("model", "claude-x").put("max_tokens", 10)
        .put("messages", new JsonArray(List.of(new JsonObject().put("role", "user").put("content", "hi"))));
  }
}
