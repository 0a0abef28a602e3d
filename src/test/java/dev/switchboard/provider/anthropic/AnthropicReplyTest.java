package dev.switchboard.provider.anthropic;

import dev.switchboard.api.Usage;
import dev.switchboard.testing.Fixtures;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Anthropic Messages replies -> OpenAI chat completions. */
class AnthropicReplyTest {

  private static JsonObject translate(String fixture) {
    return new JsonObject(Fixtures.normalize(
        AnthropicReply.toOpenAi(new JsonObject(Fixtures.text("anthropic/" + fixture)), "fallback").encode()));
  }

  @Test
  void textReply() {
    assertThat(translate("reply-text.json")).isEqualTo(new JsonObject("""
        {"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","object":"chat.completion","created":0,
         "model":"claude-sonnet-4-5-20250929",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Hi! My name is Claude.","refusal":null},
           "logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":10,"completion_tokens":9,"total_tokens":19,"prompt_tokens_details":{"cached_tokens":0}}}"""));
  }

  @Test
  void toolUseReplyWithCacheTokens() {
    assertThat(translate("reply-tools.json")).isEqualTo(new JsonObject("""
        {"id":"msg_01Aq9w938a90dw8q","object":"chat.completion","created":0,"model":"claude-sonnet-4-5-20250929",
         "choices":[{"index":0,"message":{"role":"assistant","content":"I'll check the weather in both cities.",
            "refusal":null,
            "tool_calls":[
              {"id":"toolu_01A09q90qw90lq917835lq9","type":"function",
               "function":{"name":"get_weather","arguments":"{\\"location\\":\\"San Francisco, CA\\",\\"unit\\":\\"celsius\\"}"}},
              {"id":"toolu_01B7c5Wd3uJ4mq8Zt2sH1kLp","type":"function",
               "function":{"name":"get_weather","arguments":"{\\"location\\":\\"Tokyo\\"}"}}]},
           "logprobs":null,"finish_reason":"tool_calls"}],
         "usage":{"prompt_tokens":3995,"completion_tokens":503,"total_tokens":4498,
           "prompt_tokens_details":{"cached_tokens":1800}}}"""));
  }

  @Test
  void onlyToolCallsMeansNullContent() {
    JsonObject reply = AnthropicReply.toOpenAi(new JsonObject("""
        {"id":"msg_1","type":"message","role":"assistant","model":"claude-x","stop_reason":"tool_use",
         "content":[{"type":"thinking","thinking":"hmm","signature":"sig"},
           {"type":"tool_use","id":"toolu_1","name":"f","input":{}}],"usage":{"input_tokens":1,"output_tokens":2}}"""),
        "fallback");
    JsonObject message = reply.getJsonArray("choices").getJsonObject(0).getJsonObject("message");
    assertThat(message.getValue("content")).isNull();
    assertThat(message.getJsonArray("tool_calls").getJsonObject(0).getJsonObject("function").getString("arguments"))
        .isEqualTo("{}");
  }

  @ParameterizedTest
  @CsvSource({"end_turn,stop", "max_tokens,length", "tool_use,tool_calls", "stop_sequence,stop", "pause_turn,stop",
      "refusal,content_filter", "model_context_window_exceeded,length", "something_new,stop"})
  void stopReasons(String anthropic, String openAi) {
    assertThat(AnthropicReply.finishReason(anthropic)).isEqualTo(openAi);
  }

  @Test
  void usageKeepsTheLatestCumulativeCounts() {
    Usage start = AnthropicReply.usage(new JsonObject("{\"input_tokens\":25,\"cache_read_input_tokens\":5,"
        + "\"output_tokens\":1}"), Usage.NONE);
    Usage delta = AnthropicReply.usage(new JsonObject("{\"output_tokens\":40}"), start);
    Usage full = AnthropicReply.usage(new JsonObject("{\"input_tokens\":26,\"output_tokens\":41}"), delta);

    assertThat(start).isEqualTo(new Usage(30, 1, 31, 5));
    assertThat(delta).isEqualTo(new Usage(30, 40, 70, 5));
    assertThat(full).isEqualTo(new Usage(26, 41, 67, 0));
  }

  @Test
  void brokenRepliesAreRefused() {
    assertThatThrownBy(() -> AnthropicReply.toOpenAi(new JsonObject("{\"id\":\"x\"}"), "m"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no content");
    assertThatThrownBy(() -> AnthropicReply.toOpenAi(new JsonObject(
        "{\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"boom\"}}"), "m"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("boom");
  }
}
