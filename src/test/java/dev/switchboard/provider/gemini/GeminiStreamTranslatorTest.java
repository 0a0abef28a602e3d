package dev.switchboard.provider.gemini;

import dev.switchboard.api.Usage;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.Golden;
import dev.switchboard.testing.StreamRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Golden tests: recorded-shape Gemini SSE frames -> the exact OpenAI chunks, however the bytes are split. */
class GeminiStreamTranslatorTest {

  private static StreamRun run(String fixture, boolean clientWantsUsage, int readSize) {
    return StreamRun.of(new GeminiStreamTranslator(clientWantsUsage, "gemini-requested"),
        Fixtures.bytes("gemini/" + fixture), readSize);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 65536})
  void textStreamEndsOnTheFinishReasonWithoutDone(int readSize) {
    StreamRun run = run("text.sse", true, readSize);

    Golden.assertMatches(run.normalized(), "gemini/text.expected.jsonl");
    assertThat(run.translator().done()).isTrue();
    assertThat(run.preamble()).isEqualTo(1);
    // thinking tokens are billed as output
    assertThat(run.translator().usage()).isEqualTo(new Usage(8, 31, 39, 0));
  }

  @Test
  void functionCallsArriveWholeAsIndexedToolCalls() {
    StreamRun run = run("tools.sse", false, 65536);

    Golden.assertMatches(run.normalized(), "gemini/tools.expected.jsonl");
    assertThat(run.translator().done()).isTrue();
  }

  @Test
  void safetyStopIsContentFilter() {
    StreamRun run = run("safety.sse", false, 65536);

    Golden.assertMatches(run.normalized(), "gemini/safety.expected.jsonl");
    assertThat(run.translator().done()).isTrue();
  }

  @Test
  void blockedPromptEndsWithContentFilter() {
    StreamRun run = StreamRun.of(new GeminiStreamTranslator(false, "gemini-x"), ("data: {\"promptFeedback\":"
        + "{\"blockReason\":\"SAFETY\"},\"usageMetadata\":{\"promptTokenCount\":7,\"totalTokenCount\":7},"
        + "\"responseId\":\"resp-blocked\"}\n\n").getBytes(), 65536);

    assertThat(run.normalized()).containsExactly(
        "{\"id\":\"resp-blocked\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"gemini-x\",\"choices\":"
            + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}",
        "{\"id\":\"resp-blocked\",\"object\":\"chat.completion.chunk\",\"created\":0,\"model\":\"gemini-x\",\"choices\":"
            + "[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"content_filter\"}]}");
    assertThat(run.translator().done()).isTrue();
  }

  @Test
  void errorFrameFailsTheStream() {
    StreamRun run = run("error-midstream.sse", false, 65536);

    assertThat(run.payloads()).hasSize(2);
    assertThat(run.translator().emittedContent()).isTrue();
    assertThat(run.translator().error().code()).isEqualTo("overloaded");
    assertThat(run.translator().error().message()).isEqualTo("The model is overloaded. Please try again later.");
  }

  @Test
  void aStreamWithoutFinishReasonIsNotDone() {
    StreamRun run = run("cut.sse", false, 65536);

    assertThat(run.translator().done()).isFalse();
    assertThat(run.translator().error()).isNull();
  }

  @Test
  void candidatesStreamAsChoicesAndEndWhenAllFinished() {
    String frames = """
        data: {"candidates":[{"content":{"parts":[{"text":"A"}]},"index":0},{"content":{"parts":[{"text":"B"}]},"index":1}]}

        data: {"candidates":[{"content":{"parts":[{"text":"a"}]},"finishReason":"STOP","index":0},{"content":{"parts":[{"text":"b"}]},"index":1}]}

        data: {"candidates":[{"content":{"parts":[{"text":"!"}]},"finishReason":"MAX_TOKENS","index":1}]}

        """;
    GeminiStreamTranslator t = new GeminiStreamTranslator(false, "g");
    StreamRun run = StreamRun.of(t, frames.getBytes(), 65536);

    assertThat(t.done()).isTrue();
    StringBuilder[] text = {new StringBuilder(), new StringBuilder()};
    String[] finish = new String[2];
    for (String p : run.payloads()) {
      var choice = new io.vertx.core.json.JsonObject(p).getJsonArray("choices").getJsonObject(0);
      int i = choice.getInteger("index");
      String content = choice.getJsonObject("delta").getString("content");
      if (content != null) {
        text[i].append(content);
      }
      if (choice.getString("finish_reason") != null) {
        finish[i] = choice.getString("finish_reason");
      }
    }
    assertThat(text[0]).hasToString("Aa");
    assertThat(text[1]).hasToString("Bb!");
    assertThat(finish).containsExactly("stop", "length");
  }
}
