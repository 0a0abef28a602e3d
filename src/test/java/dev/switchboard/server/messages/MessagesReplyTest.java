package dev.switchboard.server.messages;

import com.anthropic.core.ObjectMappers;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.StopReason;
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

/**
 * Golden tests: chat-completions replies (fixtures/messages/replies/NAME.json) -> the exact Anthropic Message
 * (NAME.message.json), each parsed and validated by anthropic-java's {@code Message}.
 */
class MessagesReplyTest {
  private static final List<String> STOPS = List.of("STOP", "\n\nHuman:");

  private static JsonObject translate(String name) {
    return MessagesReply.toMessage(new JsonObject(Fixtures.text("messages/replies/" + name + ".json")), STOPS,
        "claude-requested");
  }

  private static Message sdk(JsonObject message) throws IOException {
    return ObjectMappers.jsonMapper().readValue(message.encode(), Message.class).validate();
  }

  @ParameterizedTest
  @ValueSource(strings = {"text-cached", "tools", "text-and-tool", "refusal"})
  void translatesToTheGoldenMessage(String name) throws Exception {
    JsonObject message = translate(name);
    sdk(message);

    String normalized = message.encodePrettily().replaceAll("\"toolu_[0-9a-f]{32}\"", "\"toolu_GENERATED\"");
    String golden = "messages/replies/" + name + ".message.json";
    if (Fixtures.class.getResource("/fixtures/" + golden) == null) {
      Path out = Path.of("target", "golden", golden);
      try {
        Files.createDirectories(out.getParent());
        Files.writeString(out, normalized + "\n", StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      throw new AssertionError("no golden file " + golden + "; the actual output is in " + out + " for review");
    }
    assertThat(new JsonObject(normalized)).isEqualTo(new JsonObject(Fixtures.text(golden)));
  }

  @Test
  void cacheReadsAreCountedApartFromInput() throws Exception {
    Message message = sdk(translate("text-cached"));

    // prompt_tokens 2006 includes the 1920 cached: Anthropic's input_tokens excludes cache reads
    assertThat(message.usage().inputTokens()).isEqualTo(86);
    assertThat(message.usage().cacheReadInputTokens()).contains(1920L);
    assertThat(message.usage().cacheCreationInputTokens()).contains(0L);
    assertThat(message.usage().outputTokens()).isEqualTo(300);
    assertThat(message.id()).isEqualTo("msg_B9MBs8CjcvOU2jLn4n570S5qMJKcT");
    assertThat(message.model().asString()).isEqualTo("gpt-4.1-2025-04-14");
  }

  @Test
  void toolCallsBecomeToolUseBlocksWithParsedInput() throws Exception {
    JsonArray content = translate("tools").getJsonArray("content");

    assertThat(content.getJsonObject(0)).isEqualTo(new JsonObject().put("type", "tool_use").put("id", "call_abc")
        .put("name", "get_weather").put("input", new JsonObject().put("location", "Paris").put("unit", "c")));
    assertThat(content.getJsonObject(1).getString("id")).as("an id is invented when chat gave none")
        .matches("toolu_[0-9a-f]{32}");
    assertThat(content.getJsonObject(1).getJsonObject("input")).isEqualTo(new JsonObject());
    assertThat(content.getJsonObject(2).getJsonObject("input")).as("arguments that are not JSON are kept, visibly")
        .isEqualTo(new JsonObject().put(MessagesReply.INVALID_ARGUMENTS, "{\"query\": \"unfinished"));
    assertThat(sdk(translate("tools")).stopReason()).contains(StopReason.TOOL_USE);
  }

  @ParameterizedTest
  @CsvSource(nullValues = "null", value = {
      "stop,           null,      end_turn,      null",
      "stop,           STOP,      stop_sequence, STOP",
      "stop,           elsewhere, end_turn,      null",
      "length,         null,      max_tokens,    null",
      "tool_calls,     null,      tool_use,      null",
      "function_call,  null,      tool_use,      null",
      "content_filter, null,      refusal,       null",
      "null,           null,      end_turn,      null",
  })
  void everyFinishReasonHasItsStopReason(String finish, String matched, String stopReason, String sequence)
      throws Exception {
    JsonObject choice = new JsonObject().put("index", 0)
        .put("message", new JsonObject().put("role", "assistant").put("content", "x")).put("finish_reason", finish);
    if (matched != null) {
      choice.put("stop_reason", matched);
    }
    JsonObject message = MessagesReply.toMessage(new JsonObject().put("id", "chatcmpl-1").put("model", "m")
        .put("choices", new JsonArray().add(choice)), STOPS, "fallback");

    assertThat(message.getValue("stop_reason")).isEqualTo(stopReason);
    assertThat(message.getValue("stop_sequence")).isEqualTo(sequence);
    assertThat(sdk(message).stopSequence().orElse(null)).isEqualTo(sequence);
  }

  @Test
  void aReplyWithoutIdModelOrUsageStillParses() throws Exception {
    JsonObject message = MessagesReply.toMessage(new JsonObject().put("choices", new JsonArray()), List.of(),
        "claude-requested");

    Message parsed = sdk(message);
    assertThat(parsed.id()).matches("msg_[0-9a-f]{32}");
    assertThat(parsed.model().asString()).isEqualTo("claude-requested");
    assertThat(parsed.content()).isEmpty();
    assertThat(parsed.usage().inputTokens()).isZero();
  }
}
