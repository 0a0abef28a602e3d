package dev.switchboard.provider.anthropic;

import dev.switchboard.api.Usage;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.StreamRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden tests of the native Messages relay: recorded Anthropic streams come out byte for byte as they went in,
 * however the bytes are split, while the gateway reads usage, the commit point, the end and in-band errors.
 */
class AnthropicNativeStreamTest {
  private static final int[] SPLITS = {1, 2, 3, 7, 65536};

  private static StreamRun run(String fixture, int readSize) {
    return StreamRun.of(new AnthropicNativeStream(), Fixtures.bytes("anthropic/" + fixture), readSize);
  }

  private static String relayed(StreamRun run) {
    return String.join("", run.payloads());
  }

  /** Reads of 1, 2, 3 and 7 bytes split every event, line and multi-byte character; 65536 is one read. */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 7, 65536})
  void aTextStreamWithUnicodePingsAndCacheUsageIsRelayedUnchanged(int readSize) {
    StreamRun run = run("text.sse", readSize);

    assertThat(relayed(run)).isEqualTo(Fixtures.text("anthropic/text.sse"));
    assertThat(run.payloads()).as("event by event").hasSize(12);
    assertThat(run.translator().done()).isTrue();
    assertThat(run.translator().error()).isNull();
    assertThat(run.preamble()).as("message_start, content_block_start and a ping wait for the first delta")
        .isEqualTo(3);
    // input 25 + cache read 10 from message_start; output from the latest message_delta (cumulative)
    assertThat(run.translator().usage()).isEqualTo(new Usage(35, 15, 50, 10));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 5, 65536})
  void toolUseWithInputSplitOverManyDeltasIsRelayedUnchanged(int readSize) {
    StreamRun run = run("tools.sse", readSize);

    assertThat(relayed(run)).isEqualTo(Fixtures.text("anthropic/tools.sse"));
    assertThat(run.translator().done()).isTrue();
    assertThat(run.translator().usage()).isEqualTo(new Usage(472, 89, 561, 0));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 65536})
  void anErrorEventAfterContentFailsTheStreamAndIsNotRelayed(int readSize) {
    StreamRun run = run("error-midstream.sse", readSize);

    String source = Fixtures.text("anthropic/error-midstream.sse");
    assertThat(relayed(run)).isEqualTo(source.substring(0, source.indexOf("event: error")));
    assertThat(run.translator().error().code()).isEqualTo(AnthropicErrors.inBand(
        new io.vertx.core.json.JsonObject("{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}")).code());
    assertThat(run.translator().done()).isFalse();
    assertThat(run.translator().emittedContent()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 65536})
  void anErrorBeforeContentLeavesNothingCommitted(int readSize) {
    StreamRun run = run("error-before-content.sse", readSize);

    assertThat(run.translator().error()).isNotNull();
    assertThat(run.translator().emittedContent()).as("the chain may still fail over").isFalse();
    assertThat(run.payloads()).hasSize(2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"})
  void everyStopReasonPassesThroughAsSent(String stopReason) {
    String body = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-x","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"cache_creation_input_tokens":4,"cache_read_input_tokens":5,"output_tokens":1}}}

        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}

        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"%s","stop_sequence":null},"usage":{"output_tokens":2}}

        event: message_stop
        data: {"type":"message_stop"}

        """.formatted(stopReason);
    for (int split : SPLITS) {
      StreamRun run = StreamRun.of(new AnthropicNativeStream(), body.getBytes(StandardCharsets.UTF_8), split);
      assertThat(relayed(run)).isEqualTo(body);
      assertThat(run.translator().done()).isTrue();
      assertThat(run.translator().usage()).as("cache writes and reads count as prompt; reads are cached")
          .isEqualTo(new Usage(12, 2, 14, 5));
    }
  }
}
