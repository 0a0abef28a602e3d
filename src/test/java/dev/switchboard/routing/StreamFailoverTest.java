package dev.switchboard.routing;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.SseClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams fail over only before they commit (the first content event). The role-only first chunk is held back, so
 * a provider that fails right after it is replaced without the client noticing: one clean stream from the
 * secondary, with one role chunk. Once content has gone out, a failure ends the stream with an in-band error event
 * and [DONE], and no second stream is glued on.
 */
class StreamFailoverTest extends RoutingTestBase {
  private static final String ROLE = FakeProvider.chunk("chatcmpl-a", "m1",
      new JsonObject().put("role", "assistant").put("content", ""), null).encode();
  private static final String HEL = FakeProvider.chunk("chatcmpl-a", "m1",
      new JsonObject().put("content", "Hel"), null).encode();
  private static final String ERROR_EVENT = FakeProvider.errorBody("server_error", "upstream_overloaded",
      "The server had an error while processing your request").encode();

  @BeforeEach
  void streamingSecondary() {
    b.chatStream(FakeProvider.chatChunks("chatcmpl-b", "m1", "Hel", "lo", " from b"));
  }

  private void startPrimaryAndSecondary() {
    start(routing("priority") + "providers:\n"
        + "  a: {type: openai, base_url: \"" + a.baseUrl() + "\", api_key: k-a, models: [m1], "
        + "timeouts: {connect: 500ms, first_byte: 1s, idle: 300ms, total: 5s}}\n"
        + provider("b", b, "m1", ""));
  }

  /** An SSE body of exactly these events: no [DONE], so the stream is incomplete unless an event says otherwise. */
  private static ResponseDefinitionBuilder rawSse(String... payloads) {
    StringBuilder body = new StringBuilder();
    for (String p : payloads) {
      body.append("data: ").append(p).append("\n\n");
    }
    return aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream").withBody(body.toString());
  }

  private HttpResponse<String> stream() throws Exception {
    return gateway.post(CHAT_PATH, streamBody("m1"));
  }

  /** The reply is one complete stream from b: one role chunk, b's text, a finish, [DONE]; nothing of a's. */
  private static void assertCleanStreamFromB(HttpResponse<String> resp) {
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(header(resp, "content-type")).startsWith("text/event-stream");
    assertThat(header(resp, "x-switchboard-provider")).isEqualTo("b");
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events).last().isEqualTo("[DONE]");
    List<JsonObject> chunks = new ArrayList<>();
    for (String e : events.subList(0, events.size() - 1)) {
      chunks.add(new JsonObject(e));
    }
    assertThat(chunks).allSatisfy(c -> {
      assertThat(c.containsKey("error")).as("error event in %s", c).isFalse();
      assertThat(c.getString("id")).isEqualTo("chatcmpl-b");
    });
    long roles = chunks.stream().filter(c -> c.getJsonArray("choices").size() > 0
        && c.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").containsKey("role")).count();
    assertThat(roles).as("role chunks").isEqualTo(1);
    StringBuilder text = new StringBuilder();
    chunks.forEach(c -> {
      if (c.getJsonArray("choices").size() > 0) {
        text.append(c.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content", ""));
      }
    });
    assertThat(text.toString()).isEqualTo("Hello from b");
    assertThat(events.stream().filter("[DONE]"::equals).count()).isEqualTo(1);
  }

  @Test
  void roleOnlyChunkThenCutFailsOverToOneCleanStream() throws Exception {
    a.stub("/chat/completions", rawSse(ROLE));
    startPrimaryAndSecondary();

    HttpResponse<String> resp = stream();

    assertCleanStreamFromB(resp);
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:cut,a:cut,b:200");
    assertThat(received(b)).isEqualTo(1);
  }

  @Test
  void roleOnlyChunkThenErrorEventFailsOverToOneCleanStream() throws Exception {
    a.stub("/chat/completions", rawSse(ROLE, ERROR_EVENT));
    startPrimaryAndSecondary();

    HttpResponse<String> resp = stream();

    assertCleanStreamFromB(resp);
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:stream-error,a:stream-error,b:200");
  }

  @Test
  void roleOnlyChunkThenSilenceFailsOverAfterTheIdleTimeout() throws Exception {
    // The body is sent in two halves 2 s apart: the first holds the role chunk (no content), a's idle timeout is 300ms.
    a.stub("/chat/completions", rawSse(ROLE, HEL, "[DONE]").withChunkedDribbleDelay(2, 2_000));
    startPrimaryAndSecondary();

    HttpResponse<String> resp = stream();

    assertCleanStreamFromB(resp);
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:timeout,b:200");
  }

  @Test
  void errorStatusBeforeTheStreamFailsOver() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "unavailable");
    startPrimaryAndSecondary();

    HttpResponse<String> resp = stream();

    assertCleanStreamFromB(resp);
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:503,a:503,b:200");
  }

  @Test
  void cutAfterContentEndsWithAnInBandErrorAndNoFailover() throws Exception {
    a.stub("/chat/completions", rawSse(ROLE, HEL));
    startPrimaryAndSecondary();

    HttpResponse<String> resp = stream();

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(header(resp, "x-switchboard-provider")).isEqualTo("a");
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events).hasSize(4);
    assertThat(new JsonObject(events.get(0))).isEqualTo(new JsonObject(ROLE));
    assertThat(new JsonObject(events.get(1))).isEqualTo(new JsonObject(HEL));
    JsonObject error = new JsonObject(events.get(2)).getJsonObject("error");
    assertThat(error).as("in-band error event").isNotNull();
    assertThat(error.getString("code")).isEqualTo("stream_interrupted");
    assertThat(error.getString("message")).contains("'a'");
    assertThat(events.get(3)).isEqualTo("[DONE]");
    assertThat(received(a)).as("not retried after commit").isEqualTo(1);
    assertThat(received(b)).as("no second stream glued on").isZero();
  }

  @Test
  void errorEventAfterContentEndsWithAnInBandErrorAndNoFailover() throws Exception {
    a.stub("/chat/completions", rawSse(ROLE, HEL, ERROR_EVENT));
    startPrimaryAndSecondary();

    HttpResponse<String> resp = stream();

    assertThat(resp.statusCode()).isEqualTo(200);
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events).hasSize(4);
    assertThat(new JsonObject(events.get(1))).isEqualTo(new JsonObject(HEL));
    JsonObject error = new JsonObject(events.get(2)).getJsonObject("error");
    assertThat(error.getString("message")).contains("The server had an error");
    assertThat(events.get(3)).isEqualTo("[DONE]");
    assertThat(received(b)).isZero();
    // The provider still failed: it counts against a.
    assertThat(stats("a").failures()).isEqualTo(1);
  }
}
