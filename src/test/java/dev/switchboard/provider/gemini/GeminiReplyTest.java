package dev.switchboard.provider.gemini;

import dev.switchboard.testing.Fixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Gemini GenerateContentResponses and embeddings -> OpenAI replies. */
class GeminiReplyTest {

  private static JsonObject translate(String fixture) {
    return new JsonObject(Fixtures.normalize(
        GeminiReply.chat(new JsonObject(Fixtures.text("gemini/" + fixture)), "fallback").encode()));
  }

  @Test
  void candidatesBecomeChoices() {
    assertThat(translate("reply-text.json")).isEqualTo(new JsonObject("""
        {"id":"resp-reply-text","object":"chat.completion","created":0,"model":"gemini-2.5-flash",
         "choices":[
           {"index":0,"message":{"role":"assistant","content":"Hello there!","refusal":null},"logprobs":null,
            "finish_reason":"stop"},
           {"index":1,"message":{"role":"assistant","content":"Hi, cut","refusal":null},"logprobs":null,
            "finish_reason":"length"}],
         "usage":{"prompt_tokens":4,"completion_tokens":6,"total_tokens":10,"prompt_tokens_details":{"cached_tokens":0}}}"""));
  }

  @Test
  void functionCallsBecomeToolCallsWithInventedIds() {
    assertThat(translate("reply-tools.json")).isEqualTo(new JsonObject("""
        {"id":"resp-reply-tools","object":"chat.completion","created":0,"model":"gemini-2.5-flash",
         "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[
             {"id":"call_GENERATED","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Paris\\"}"}},
             {"id":"call_GENERATED","type":"function","function":{"name":"get_weather","arguments":"{\\"location\\":\\"Tokyo\\"}"}}]},
           "logprobs":null,"finish_reason":"tool_calls"}],
         "usage":{"prompt_tokens":60,"completion_tokens":32,"total_tokens":92,"prompt_tokens_details":{"cached_tokens":32}}}"""));
    JsonArray calls = GeminiReply.chat(new JsonObject(Fixtures.text("gemini/reply-tools.json")), "m")
        .getJsonArray("choices").getJsonObject(0).getJsonObject("message").getJsonArray("tool_calls");
    assertThat(calls.getJsonObject(0).getString("id")).isNotEqualTo(calls.getJsonObject(1).getString("id"));
  }

  @Test
  void blockedPromptIsAnEmptyContentFilteredAnswer() {
    JsonObject reply = GeminiReply.chat(new JsonObject("{\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"}}"),
        "gemini-x");
    assertThat(reply.getString("model")).isEqualTo("gemini-x");
    assertThat(reply.getJsonArray("choices").getJsonObject(0).getString("finish_reason")).isEqualTo("content_filter");
  }

  @ParameterizedTest
  @CsvSource({"STOP,false,stop", "STOP,true,tool_calls", "MAX_TOKENS,false,length", "SAFETY,false,content_filter",
      "RECITATION,false,content_filter", "BLOCKLIST,false,content_filter", "PROHIBITED_CONTENT,false,content_filter",
      "SPII,false,content_filter", "OTHER,false,stop", "MALFORMED_FUNCTION_CALL,false,stop"})
  void finishReasons(String gemini, boolean calledTools, String openAi) {
    assertThat(GeminiReply.finishReason(gemini, calledTools)).isEqualTo(openAi);
  }

  @Test
  void embeddingsAsFloatsOrBase64() {
    JsonObject single = GeminiReply.embeddings(new JsonObject("{\"embedding\":{\"values\":[0.25,-0.5,1.0]}}"),
        "text-embedding-004", false);
    assertThat(single).isEqualTo(new JsonObject("""
        {"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.25,-0.5,1.0]}],
         "model":"text-embedding-004","usage":{"prompt_tokens":0,"total_tokens":0}}"""));

    JsonObject batch = GeminiReply.embeddings(new JsonObject(
        "{\"embeddings\":[{\"values\":[0.25,-0.5,1.0]},{\"values\":[2.0]}]}"), "m", true);
    JsonArray data = batch.getJsonArray("data");
    assertThat(data).hasSize(2);
    assertThat(data.getJsonObject(1).getInteger("index")).isEqualTo(1);
    ByteBuffer first = ByteBuffer.wrap(Base64.getDecoder().decode(data.getJsonObject(0).getString("embedding")))
        .order(ByteOrder.LITTLE_ENDIAN);
    assertThat(new float[] {first.getFloat(), first.getFloat(), first.getFloat()}).containsExactly(0.25f, -0.5f, 1.0f);
  }

  @Test
  void brokenRepliesAreRefused() {
    assertThatThrownBy(() -> GeminiReply.chat(new JsonObject("{\"candidates\":[]}"), "m"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no candidates");
    assertThatThrownBy(() -> GeminiReply.chat(new JsonObject(
        "{\"error\":{\"code\":500,\"message\":\"boom\",\"status\":\"INTERNAL\"}}"), "m"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("boom");
    assertThatThrownBy(() -> GeminiReply.embeddings(new JsonObject("{}"), "m", false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no embeddings");
  }
}
