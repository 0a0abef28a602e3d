package dev.switchboard.e2e;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failover from an Anthropic target to an OpenAI-compatible one, before the stream commits, through the whole
 * gateway: the real {@link dev.switchboard.routing.FailoverChain}, attempts and adapters.
 */
class AnthropicFailoverTest {
  private final FakeProvider anthropic = new FakeProvider();
  private final FakeProvider openAi = new FakeProvider();
  private final HttpClient http = HttpClient.newHttpClient();
  private GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    gateway = TestConfig.empty().routing("{strategy: priority, explore: 0}")
        .providerEntry(anthropic.providerYaml("anth", "anthropic", "/v1", "sk-ant-secret-0123456789",
            List.of("claude-x")))
        .provider("up", openAi, "sk-openai-secret", "gpt-real")
        .model("chat", "anth/claude-x", "up/gpt-real").start();
  }

  @AfterEach
  void stop() {
    gateway.close();
    anthropic.close();
    openAi.close();
  }

  private HttpResponse<String> chat(boolean stream) throws Exception {
    String body = Requests.chat("chat", "hi").with("stream", stream).toString();
    return http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private int openAiCalls() {
    return openAi.server().findAll(postRequestedFor(urlPathEqualTo("/v1/chat/completions"))).size();
  }

  @Test
  void overloadedAnthropicFailsOverToTheOpenAiTarget() throws Exception {
    anthropic.stub("/messages", FakeProvider.jsonReply(529,
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
    openAi.chatJson("served by the second target");

    HttpResponse<String> resp = chat(false);

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("anth:529,up:200");
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("up");
    assertThat(resp.body()).contains("served by the second target");
  }

  @Test
  void anErrorEventBeforeContentFailsOverInvisibly() throws Exception {
    anthropic.stub("/messages", FakeProvider.sseReply(Fixtures.text("anthropic/error-before-content.sse")));
    List<String> chunks = FakeProvider.chatChunks("chatcmpl-up", "gpt-real", "Hi", "!");
    openAi.chatStream(chunks);

    HttpResponse<String> resp = chat(true);

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("anth:stream-error,up:200");
    // the Anthropic role preamble was held back and dropped: the client sees one clean stream, the second target's
    List<String> expected = new java.util.ArrayList<>(chunks.subList(0, chunks.size() - 1));
    expected.add("[DONE]");
    assertThat(SseClient.dataEvents(resp.body())).containsExactlyElementsOf(expected);
  }

  @Test
  void anErrorEventAfterContentEndsInBandWithoutFailover() throws Exception {
    anthropic.stub("/messages", FakeProvider.sseReply(Fixtures.text("anthropic/error-midstream.sse")));
    openAi.chatStream(FakeProvider.chatChunks("chatcmpl-up", "gpt-real", "never"));

    HttpResponse<String> resp = chat(true);

    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(new JsonObject(events.get(events.size() - 2)).getJsonObject("error").getString("code"))
        .isEqualTo("overloaded");
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    assertThat(openAiCalls()).isZero();
  }

  @Test
  void contextLengthIsFinalAndBurnsNoOtherProvider() throws Exception {
    anthropic.stub("/messages", FakeProvider.jsonReply(400, "{\"type\":\"error\",\"error\":{\"type\":"
        + "\"invalid_request_error\",\"message\":\"prompt is too long: 208310 tokens > 200000 maximum\"}}"));
    openAi.chatJson("never");

    HttpResponse<String> resp = chat(false);

    assertThat(resp.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(resp.body()).getJsonObject("error").getString("code")).isEqualTo("context_length_exceeded");
    assertThat(openAiCalls()).isZero();
  }
}
