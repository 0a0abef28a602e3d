package dev.switchboard.server.messages;

import com.anthropic.core.ObjectMappers;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.ErrorResponse;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.switchboard.api.ApiError;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.Golden;
import dev.switchboard.testing.StreamRun;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Golden tests: the gateway's chat streams (fixtures/messages/*.sse) -> the exact Anthropic events, however the bytes
 * are split, each event parsed by anthropic-java's own model classes and the whole stream accumulated by its
 * {@code MessageAccumulator}.
 */
class MessagesStreamTest {
  private static final JsonMapper SDK = ObjectMappers.jsonMapper();
  private static final Pattern FRAME = Pattern.compile("event: ([a-z_]+)\ndata: (\\{[^\n]*})\n\n");
  private static final Pattern GENERATED = Pattern.compile("\"(toolu_|msg_)[0-9a-f]{32}\"");
  private static final List<String> FIXTURES = List.of("text", "tools-interleaved", "tools-sequential",
      "finish-length", "finish-content-filter", "finish-stop-sequence", "finish-stop-unknown-sequence", "refusal",
      "error-midstream", "error-overloaded-in-tool");

  /** One emitted frame: the {@code event:} name and the {@code data:} JSON. */
  record Frame(String event, String data) {
    JsonObject json() {
      return new JsonObject(data);
    }
  }

  static List<Frame> run(String fixture, int readSize) {
    MessagesStream stream = new MessagesStream("claude-requested", List.of("STOP", "END"));
    List<Frame> frames = new ArrayList<>();
    StreamRun.feed(Fixtures.bytes("messages/" + fixture + ".sse"), readSize,
        event -> stream.onEvent(event, buffer -> frames.add(frame(buffer))));
    return frames;
  }

  /** Each emit is exactly one whole frame whose event name is its data's type. */
  private static Frame frame(Buffer buffer) {
    String text = buffer.toString(StandardCharsets.UTF_8);
    Matcher m = FRAME.matcher(text);
    assertThat(m.matches()).as("one whole frame per emit: %s", text).isTrue();
    assertThat(new JsonObject(m.group(2)).getString("type")).isEqualTo(m.group(1));
    return new Frame(m.group(1), m.group(2));
  }

  private static List<String> normalized(List<Frame> frames) {
    return frames.stream().map(f -> GENERATED.matcher(f.data()).replaceAll("\"$1GENERATED\"")).toList();
  }

  static Stream<Arguments> fixturesBySplit() {
    return FIXTURES.stream().flatMap(f -> Stream.of(1, 2, 3, 7, 65536).map(n -> Arguments.of(f, n)));
  }

  /** Reads of 1, 2, 3 and 7 bytes split every event, line and multi-byte character; 65536 is one read. */
  @ParameterizedTest(name = "{0} in reads of {1}")
  @MethodSource("fixturesBySplit")
  void everyFixtureMatchesItsGoldenEventsAndParsesWithTheSdk(String fixture, int readSize) throws Exception {
    List<Frame> frames = run(fixture, readSize);

    Golden.assertMatches(normalized(frames), "messages/" + fixture + ".expected.jsonl");
    assertWellFormed(frames);
    for (Frame f : frames) {
      if (f.event().equals("error")) {
        assertThat(SDK.readValue(f.data(), ErrorResponse.class).validate().error().isValid()).isTrue();
      } else {
        assertThat(SDK.readValue(f.data(), RawMessageStreamEvent.class).validate().isValid()).isTrue();
      }
    }
    assertThat(frames).noneMatch(f -> f.data().contains("[DONE]"));
  }

  @Test
  void textWithUnicodeAccumulatesToOneBlockWithCacheReadUsage() throws Exception {
    Message message = accumulate(run("text", 1));

    assertThat(message.id()).isEqualTo("msg_abc123");
    assertThat(message.model().asString()).isEqualTo("gpt-4o-mini");
    assertThat(message.content()).hasSize(1);
    assertThat(message.content().get(0).asText().text()).isEqualTo("Héllo, 世界 👋🏽 — done.");
    assertThat(message.stopReason()).contains(StopReason.END_TURN);
    assertThat(message.stopSequence()).isEmpty();
    // prompt 1200 of which 1024 read from the cache: Anthropic counts input without the cache reads
    assertThat(message.usage().inputTokens()).isEqualTo(176);
    assertThat(message.usage().cacheReadInputTokens()).contains(1024L);
    assertThat(message.usage().cacheCreationInputTokens()).contains(0L);
    assertThat(message.usage().outputTokens()).isEqualTo(9);
  }

  @Test
  void interleavedParallelToolCallsBecomeSequentialBlocksWithWholeArguments() throws Exception {
    Message message = accumulate(run("tools-interleaved", 3));

    List<ContentBlock> blocks = message.content();
    assertThat(blocks).hasSize(3);
    assertThat(blocks.get(0).asText().text()).isEqualTo("Let me check both.");
    assertThat(blocks.get(1).asToolUse().id()).isEqualTo("call_weather1");
    assertThat(blocks.get(1).asToolUse().name()).isEqualTo("get_weather");
    assertThat(input(blocks.get(1)))
        .isEqualTo(new JsonObject().put("location", "San Francisco, CA").put("unit", "°C"));
    assertThat(blocks.get(2).asToolUse().id()).isEqualTo("call_weather2");
    assertThat(input(blocks.get(2))).isEqualTo(new JsonObject().put("location", "東京"));
    assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
    assertThat(message.usage().inputTokens()).isEqualTo(472);
    assertThat(message.usage().outputTokens()).isEqualTo(89);
  }

  @Test
  void firstToolCallStreamsLiveWhileLaterOnesWaitForTheFinish() {
    List<Frame> frames = run("tools-interleaved", 65536);
    List<String> types = frames.stream().map(Frame::event).toList();

    // the first call's fragments are relayed as they arrive, before the second call's block starts
    int firstJsonDelta = indexOf(frames, "input_json_delta", 1);
    int secondStart = indexOf(frames, "call_weather2", 0);
    assertThat(firstJsonDelta).isLessThan(secondStart);
    assertThat(frames.stream().filter(f -> f.data().contains("\"index\":1") && f.event().equals("content_block_delta")))
        .as("the live call keeps its upstream fragments").hasSize(5);
    assertThat(types.get(types.size() - 1)).isEqualTo("message_stop");
  }

  @Test
  void sequentialCallsKeepTheirOrderAndAnIdIsInventedWhenMissing() throws Exception {
    Message message = accumulate(run("tools-sequential", 2));

    assertThat(message.content()).extracting(b -> b.asToolUse().name()).containsExactly("lookup", "noargs", "lookup");
    assertThat(message.content().get(0).asToolUse().id()).isEqualTo("call_a");
    assertThat(message.content().get(1).asToolUse().id()).matches("toolu_[0-9a-f]{32}");
    assertThat(input(message.content().get(0))).isEqualTo(new JsonObject().put("q", "a b"));
    assertThat(input(message.content().get(1))).isEqualTo(new JsonObject());
    assertThat(input(message.content().get(2))).isEqualTo(new JsonObject().put("q", "c"));
  }

  @Test
  void everyFinishReasonMapsToItsStopReason() throws Exception {
    assertThat(accumulate(run("finish-length", 65536)).stopReason()).contains(StopReason.MAX_TOKENS);
    assertThat(accumulate(run("finish-content-filter", 65536)).stopReason()).contains(StopReason.REFUSAL);
    Message stopped = accumulate(run("finish-stop-sequence", 65536));
    assertThat(stopped.stopReason()).contains(StopReason.STOP_SEQUENCE);
    assertThat(stopped.stopSequence()).contains("STOP");
    Message other = accumulate(run("finish-stop-unknown-sequence", 65536));
    assertThat(other.stopReason()).as("a stop string the client did not ask for is no stop_sequence")
        .contains(StopReason.END_TURN);
    assertThat(other.stopSequence()).isEmpty();
    Message refusal = accumulate(run("refusal", 65536));
    assertThat(refusal.stopReason()).contains(StopReason.REFUSAL);
    assertThat(refusal.content().get(0).asText().text()).isEqualTo("I can't help with that.");
  }

  @Test
  void withoutUsageTheStreamStillCarriesOutputTokens() throws Exception {
    Message message = accumulate(run("finish-content-filter", 65536));

    assertThat(message.usage().inputTokens()).isZero();
    assertThat(message.usage().outputTokens()).isZero();
  }

  @Test
  void failureAfterContentIsAnErrorEventAndNothingAfterIt() throws Exception {
    List<Frame> frames = run("error-midstream", 65536);

    Frame last = frames.get(frames.size() - 1);
    assertThat(last.event()).isEqualTo("error");
    assertThat(frames).noneMatch(f -> f.event().equals("message_stop") || f.event().equals("message_delta"));
    ErrorResponse error = SDK.readValue(last.data(), ErrorResponse.class).validate();
    assertThat(error.error().isApiError()).isTrue();
    assertThat(error.error().asApiError().message()).isEqualTo("upstream body interrupted");

    List<Frame> overloaded = run("error-overloaded-in-tool", 65536);
    ErrorResponse o = SDK.readValue(overloaded.get(overloaded.size() - 1).data(), ErrorResponse.class).validate();
    assertThat(o.error().isOverloadedError()).isTrue();
  }

  @Test
  void errorFromTheGatewayItselfIsOneErrorEvent() {
    MessagesStream stream = new MessagesStream("m", List.of());
    List<Frame> frames = new ArrayList<>();
    stream.onChunk(new JsonObject().put("id", "chatcmpl-1").put("choices", new io.vertx.core.json.JsonArray()),
        b -> frames.add(frame(b)));
    stream.onError(new ApiError(504, ApiError.TIMEOUT, "The upstream timed out.", null, "timeout"),
        b -> frames.add(frame(b)));
    stream.onDone(b -> frames.add(frame(b)));

    assertThat(frames).extracting(Frame::event).containsExactly("message_start", "error");
    assertThat(frames.get(1).json().getJsonObject("error"))
        .isEqualTo(new JsonObject().put("type", "timeout_error").put("message", "The upstream timed out."));
    assertThat(stream.ended()).isTrue();
  }

  @Test
  void eventsAfterTheEndAreIgnored() {
    byte[] twice = (Fixtures.text("messages/text.sse") + Fixtures.text("messages/text.sse"))
        .getBytes(StandardCharsets.UTF_8);
    MessagesStream stream = new MessagesStream("m", List.of());
    List<Frame> frames = new ArrayList<>();
    StreamRun.feed(twice, 65536, e -> stream.onEvent(e, b -> frames.add(frame(b))));

    assertThat(normalized(frames)).containsExactlyElementsOf(normalized(run("text", 65536)));
  }

  /**
   * message_start first; blocks numbered 0, 1, 2 …, each start, deltas of its own kind, stop, never interleaved;
   * then message_delta and message_stop last — or an error event last.
   */
  private static void assertWellFormed(List<Frame> frames) {
    assertThat(frames).isNotEmpty();
    assertThat(frames.get(0).event()).isEqualTo("message_start");
    int expectedIndex = 0;
    Integer open = null;
    String openKind = null;
    boolean ended = false;
    for (Frame f : frames.subList(1, frames.size())) {
      assertThat(ended).as("nothing after message_stop or error").isFalse();
      JsonObject j = f.json();
      switch (f.event()) {
        case "content_block_start" -> {
          assertThat(open).as("a block starts only when none is open").isNull();
          assertThat(j.getInteger("index")).isEqualTo(expectedIndex++);
          open = j.getInteger("index");
          openKind = j.getJsonObject("content_block").getString("type");
        }
        case "content_block_delta" -> {
          assertThat(j.getInteger("index")).isEqualTo(open);
          assertThat(j.getJsonObject("delta").getString("type"))
              .isEqualTo(openKind.equals("text") ? "text_delta" : "input_json_delta");
        }
        case "content_block_stop" -> {
          assertThat(j.getInteger("index")).isEqualTo(open);
          open = null;
        }
        case "message_delta" -> assertThat(open).as("all blocks closed before message_delta").isNull();
        case "message_stop" -> {
          assertThat(frames.get(frames.size() - 2).event()).isEqualTo("message_delta");
          ended = true;
        }
        case "error" -> ended = true;
        default -> throw new AssertionError("unexpected event " + f.event());
      }
    }
    assertThat(ended).as("the stream ends with message_stop or error").isTrue();
  }

  private static Message accumulate(List<Frame> frames) throws Exception {
    MessageAccumulator accumulator = MessageAccumulator.create();
    for (Frame f : frames) {
      if (!f.event().equals("error")) {
        accumulator.accumulate(SDK.readValue(f.data(), RawMessageStreamEvent.class));
      }
    }
    return accumulator.message();
  }

  private static JsonObject input(ContentBlock block) throws Exception {
    return new JsonObject(SDK.writeValueAsString(block.asToolUse()._input()));
  }

  private static int indexOf(List<Frame> frames, String text, int skip) {
    int seen = 0;
    for (int i = 0; i < frames.size(); i++) {
      if (frames.get(i).data().contains(text) && seen++ == skip) {
        return i;
      }
    }
    return -1;
  }
}
