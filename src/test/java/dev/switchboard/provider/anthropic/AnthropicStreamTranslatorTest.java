package dev.switchboard.provider.anthropic;

import dev.switchboard.provider.UpstreamError;
import dev.switchboard.api.Usage;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.Golden;
import dev.switchboard.testing.StreamRun;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Golden tests: recorded-shape Anthropic streams -> the exact OpenAI chunks, however the bytes are split. */
class AnthropicStreamTranslatorTest {

  private static StreamRun run(String fixture, boolean clientWantsUsage, int readSize) {
    return StreamRun.of(new AnthropicStreamTranslator(clientWantsUsage, "claude-requested"),
        Fixtures.bytes("anthropic/" + fixture), readSize);
  }

  /** Reads of 1, 2, 3 and 7 bytes split every event, line and multi-byte character; 65536 is one read. */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 65536})
  void textStreamWithPingsAndEmptyDeltas(int readSize) {
    StreamRun run = run("text.sse", true, readSize);

    Golden.assertMatches(run.normalized(), "anthropic/text.expected.jsonl");
    assertThat(run.translator().done()).isTrue();
    assertThat(run.translator().error()).isNull();
    // role-only first chunk is the held-back preamble; content starts with "Hello"
    assertThat(run.preamble()).isEqualTo(1);
    // usage from message_start (input 25 + cache read 10) and the latest message_delta (15, not 12 + 15)
    assertThat(run.translator().usage()).isEqualTo(new Usage(35, 15, 50, 10));
  }

  @Test
  void usageChunkOnlyWhenTheClientAskedForIt() {
    List<String> withUsage = run("text.sse", true, 65536).normalized();
    List<String> without = run("text.sse", false, 65536).normalized();

    assertThat(without).containsExactlyElementsOf(withUsage.subList(0, withUsage.size() - 1));
    assertThat(new JsonObject(withUsage.get(withUsage.size() - 1)).getJsonArray("choices")).isEmpty();
    assertThat(without).allSatisfy(p -> assertThat(new JsonObject(p).containsKey("usage")).isFalse());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 65536})
  void parallelToolCallsSplitAcrossManyDeltas(int readSize) {
    StreamRun run = run("tools.sse", false, readSize);

    Golden.assertMatches(run.normalized(), "anthropic/tools.expected.jsonl");
    assertThat(run.translator().done()).isTrue();
    assertThat(run.translator().usage()).isEqualTo(new Usage(472, 89, 561, 0));
  }

  @Test
  void toolCallArgumentFragmentsReassembleToTheInput() {
    StringBuilder first = new StringBuilder();
    StringBuilder second = new StringBuilder();
    for (String p : run("tools.sse", false, 65536).payloads()) {
      JsonObject delta = new JsonObject(p).getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
      if (delta.getJsonArray("tool_calls") != null) {
        JsonObject call = delta.getJsonArray("tool_calls").getJsonObject(0);
        (call.getInteger("index") == 0 ? first : second).append(call.getJsonObject("function").getString("arguments"));
      }
    }
    assertThat(new JsonObject(first.toString()))
        .isEqualTo(new JsonObject().put("location", "San Francisco, CA").put("unit", "°C"));
    assertThat(new JsonObject(second.toString())).isEqualTo(new JsonObject().put("location", "Tokyo"));
  }

  @Test
  void errorEventAfterContentFailsTheStream() {
    StreamRun run = run("error-midstream.sse", false, 65536);

    Golden.assertMatches(run.normalized(), "anthropic/error-midstream.expected.jsonl");
    UpstreamError e = run.translator().error();
    assertThat(e).isNotNull();
    assertThat(e.status()).isZero();
    assertThat(e.type()).isEqualTo("overloaded_error");
    assertThat(e.code()).isEqualTo("overloaded");
    assertThat(e.message()).isEqualTo("Overloaded");
    assertThat(run.translator().done()).isFalse();
    assertThat(run.translator().emittedContent()).isTrue();
  }

  @Test
  void errorEventBeforeContentLeavesTheStreamUncommitted() {
    StreamRun run = run("error-before-content.sse", false, 65536);

    // only the role preamble was emitted, so the gateway can still fail over or answer with a clean HTTP error
    assertThat(run.payloads()).hasSize(1);
    assertThat(run.translator().emittedContent()).isFalse();
    assertThat(run.translator().error().code()).isEqualTo("overloaded");
  }

  @Test
  void eventsAfterTheEndAreIgnored() {
    byte[] twice = (Fixtures.text("anthropic/text.sse") + Fixtures.text("anthropic/text.sse"))
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(StreamRun.of(new AnthropicStreamTranslator(false, "m"), twice, 65536).normalized())
        .containsExactlyElementsOf(run("text.sse", false, 65536).normalized());
  }

  @Test
  void malformedEventIsAnInvalidStreamError() {
    StreamRun run = StreamRun.of(new AnthropicStreamTranslator(false, "m"),
        "event: content_block_delta\ndata: {not json\n\n".getBytes(), 64);

    assertThat(run.payloads()).isEmpty();
    assertThat(run.translator().error().code()).isEqualTo("invalid_stream_event");
  }
}
