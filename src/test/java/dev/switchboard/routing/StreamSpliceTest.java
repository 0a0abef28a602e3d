package dev.switchboard.routing;

import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.api.Usage;
import dev.switchboard.config.ProviderType;
import dev.switchboard.testing.FakeProvider;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The splice of a resumed stream, without HTTP: overlap rules, continuation requests, rewritten chunks. */
class StreamSpliceTest {
  private static GatewayRequest request() {
    JsonObject body = new JsonObject().put("model", "m1").put("stream", true).put("n", 1).put("messages",
        new JsonArray().add(new JsonObject().put("role", "user").put("content", "tell me")));
    return new GatewayRequest("r1", Endpoint.CHAT, "m1", true, false, body, body.toBuffer(), "anonymous", null, null,
        0).withTokenEstimate(100);
  }

  private static List<String> deliver(StreamSplice splice, String id, String model, String... pieces) {
    List<String> out = new ArrayList<>();
    for (String c : FakeProvider.chatChunks(id, model, pieces)) {
      if (c.contains("\"usage\"")) {
        continue;
      }
      splice.pass(Buffer.buffer(c), b -> out.add(b.toString()));
    }
    return out;
  }

  @Test
  void overlapDropsARepeatedTailOrBlankButNotACoincidentalShortMatch() {
    assertThat(StreamSplice.overlap("The quick brown fox", "brown fox jumps")).isEqualTo(9);
    assertThat(StreamSplice.overlap("The quick brown ", " fox")).as("blank: Anthropic's trimmed prefill").isEqualTo(1);
    assertThat(StreamSplice.overlap("a cat", "tiger")).as("one letter is a coincidence").isZero();
    assertThat(StreamSplice.overlap("abc", "xyz")).isZero();
  }

  @Test
  void anAnthropicTargetGetsAPrefillWithoutTrailingWhitespaceAndAnOpenAiTargetAnInstruction() {
    StreamSplice splice = new StreamSplice(1);
    // Everything but the finish chunk: the stream was cut before it.
    List<String> chunks = FakeProvider.chatChunks("c1", "m1", "Hello ", "world ");
    for (String c : chunks.subList(0, 3)) {
      splice.pass(Buffer.buffer(c), b -> { });
    }
    assertThat(splice.resumable()).isTrue();

    JsonArray anthropic = splice.continuation(request(), ProviderType.ANTHROPIC).body().getJsonArray("messages");
    assertThat(anthropic.getJsonObject(anthropic.size() - 1).encode())
        .isEqualTo("{\"role\":\"assistant\",\"content\":\"Hello world\"}");
    GatewayRequest openAi = splice.continuation(request(), ProviderType.OPENAI);
    JsonArray messages = openAi.body().getJsonArray("messages");
    assertThat(messages.getJsonObject(1).getString("content")).isEqualTo("Hello world ");
    assertThat(messages.getJsonObject(2).getString("role")).isEqualTo("user");
    assertThat(openAi.body().containsKey("n")).isFalse();
    assertThat(openAi.rawBody().toJsonObject()).as("the bytes sent upstream are the new body")
        .isEqualTo(openAi.body());
    assertThat(request().body().getJsonArray("messages")).as("the original is untouched").hasSize(1);
  }

  @Test
  void aContinuationIsRewrittenIntoTheClientsStream() {
    StreamSplice splice = new StreamSplice(1);
    List<String> first = FakeProvider.chatChunks("c1", "m1", "The quick brown ");
    for (String c : first.subList(0, 2)) {
      splice.pass(Buffer.buffer(c), b -> { });
    }
    splice.continuationOf(request(), ProviderType.OPENAI, Usage.NONE, 16);

    List<String> out = deliver(splice, "c2", "other", "quick brown ", "fox.");
    StringBuilder text = new StringBuilder();
    for (String o : out) {
      JsonObject chunk = new JsonObject(o);
      assertThat(chunk.getString("id")).isEqualTo("c1");
      assertThat(chunk.getString("model")).isEqualTo("m1");
      JsonObject delta = chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
      assertThat(delta.containsKey("role")).isFalse();
      text.append(delta.getString("content", ""));
    }
    assertThat(text.toString()).isEqualTo("fox.");
    assertThat(splice.resumable()).as("at most one resume").isFalse();
    assertThat(splice.total(new Usage(10, 2, 12, 0)).completionTokens()).as("4 estimated + 2 reported").isEqualTo(6);
  }

  @Test
  void toolCallsOrAFinishMakeAStreamNotResumable() {
    StreamSplice tools = new StreamSplice(1);
    tools.pass(FakeProvider.chunk("c1", "m1", new JsonObject().put("tool_calls", new JsonArray()), null).toBuffer(),
        b -> { });
    assertThat(tools.resumable()).isFalse();
    StreamSplice finished = new StreamSplice(1);
    deliver(finished, "c1", "m1", "done");
    assertThat(finished.resumable()).isFalse();
  }
}
