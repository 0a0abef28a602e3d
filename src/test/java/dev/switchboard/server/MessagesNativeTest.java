package dev.switchboard.server;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.switchboard.testing.Closer;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.function.UnaryOperator;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/messages} to an Anthropic provider is passed through natively: the client's body goes upstream with
 * only the model changed, the message or the event stream comes back as the provider sent it, and the gateway still
 * reads the usage, fails over before the first content event (to an OpenAI target, translated) and ends a broken
 * stream with an Anthropic {@code error} event.
 */
class MessagesNativeTest {
  private static final String KEY = "sb-native-client-key";
  private static final String REQUEST = """
      {"model":"claude-smart","max_tokens":1024,"system":[{"type":"text","text":"Be brief.","cache_control":{"type":"ephemeral"}}],"messages":[{"role":"user","content":"Weather in SF and Tokyo?"}],"tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"location":{"type":"string"}}}}],"top_k":5,"thinking":{"type":"enabled","budget_tokens":2000},"metadata":{"user_id":"u-1"}%s}""";
  @RegisterExtension
  final Closer closer = new Closer();
  private final FakeProvider anthropic = closer.register(new FakeProvider());
  private final FakeProvider openai = closer.register(new FakeProvider());
  private GatewayUnderTest gateway;

  /** claude-smart: the Anthropic provider claude first, then the OpenAI provider oai; {@code more} adds to it. */
  private void start(UnaryOperator<TestConfig> more) {
    gateway = closer.register(more.apply(TestConfig.empty().clientKey("agent", KEY)
        .routing("{strategy: priority, explore: 0, retry: {per_provider: 0}}")
        .section("usage", "{persist: false, flush_interval: 50ms}")
        .providerEntry(anthropic.providerYaml("claude", "anthropic", "/v1", "sk-ant-upstream-000000",
            List.of("claude-sonnet-4-5")))
        .provider("oai", openai, "sk-openai-b-111111", "gpt-b")
        .model("claude-smart", "claude/claude-sonnet-4-5", "oai/gpt-b")).start());
  }

  private void start() {
    start(config -> config);
  }

  private HttpResponse<String> messages(String body) throws Exception {
    return gateway.post("/v1/messages", body, "x-api-key", KEY, "anthropic-version", "2023-06-01",
        "anthropic-beta", "prompt-caching-2024-07-31");
  }

  /** The Anthropic provider received the client's body with only the model changed. */
  private void assertPassedThrough(String body) {
    assertThat(new JsonObject(anthropic.onlyRequest("/v1/messages").getBodyAsString()))
        .as("only the model changed: top_k, thinking, cache_control and metadata pass as they are")
        .isEqualTo(new JsonObject(body).put("model", "claude-sonnet-4-5"));
  }

  @Test
  void theClientsBodyGoesUpstreamAsSentAndTheMessageComesBackUnchanged() throws Exception {
    String reply = Fixtures.text("anthropic/reply-tools.json");
    anthropic.stub("/messages", FakeProvider.jsonReply(200, reply));
    start();
    String body = REQUEST.formatted("");
    HttpResponse<String> resp = messages(body);

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("claude");
    assertThat(resp.body()).as("the provider's message, byte for byte").isEqualTo(reply);
    LoggedRequest upstream = anthropic.onlyRequest("/v1/messages");
    assertThat(new JsonObject(upstream.getBodyAsString()))
        .as("only the model changed: top_k, thinking, cache_control and metadata pass as they are")
        .isEqualTo(new JsonObject(body).put("model", "claude-sonnet-4-5"));
    assertThat(upstream.getHeader("x-api-key")).as("the gateway's own key upstream").isEqualTo("sk-ant-upstream-000000");
    assertThat(upstream.getHeader("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(upstream.getHeader("anthropic-beta")).isEqualTo("prompt-caching-2024-07-31");
    JsonObject row = gateway.ledgerRow(resp);
    assertThat(row.getLong("prompt_tokens")).as("input + cache writes + cache reads").isEqualTo(2095 + 100 + 1800);
    assertThat(row.getLong("completion_tokens")).isEqualTo(503);
    assertThat(row.getBoolean("estimated")).isFalse();
  }

  @Test
  void aStreamIsRelayedEventByEventWithItsUsageInTheLedger() throws Exception {
    String stream = Fixtures.text("anthropic/tools.sse");
    anthropic.stub("/messages", FakeProvider.sseReply(stream));
    start();
    HttpResponse<String> resp = messages(REQUEST.formatted(",\"stream\":true"));

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.body()).as("every event as the provider sent it, and no [DONE]").isEqualTo(stream);
    assertThat(new JsonObject(anthropic.onlyRequest("/v1/messages").getBodyAsString()).getBoolean("stream")).isTrue();
    JsonObject row = gateway.ledgerRow(resp);
    assertThat(row.getLong("prompt_tokens")).isEqualTo(472);
    assertThat(row.getLong("completion_tokens")).isEqualTo(89);
  }

  @Test
  void anErrorBeforeTheFirstContentEventFailsOverToAnOpenAiTargetTranslated() throws Exception {
    anthropic.stub("/messages", FakeProvider.sseReply(Fixtures.text("anthropic/error-before-content.sse")));
    openai.chatStream(FakeProvider.chatChunks("c1", "gpt-b", "Hel", "lo"));
    start();
    HttpResponse<String> resp = messages(REQUEST.formatted(",\"stream\":true"));
    assertPassedThrough(REQUEST.formatted(",\"stream\":true"));

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-switchboard-attempts").orElseThrow()).startsWith("claude:")
        .endsWith(",oai:200");
    assertThat(resp.body()).as("nothing of the native attempt reached the client").doesNotContain("msg_01EarlyError")
        .doesNotContain("overloaded");
    List<JsonObject> events = SseClient.typedEvents(resp.body());
    assertThat(events).extracting(e -> e.getString("type")).containsExactly("message_start",
        "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta",
        "message_stop");
    JsonObject chat = new JsonObject(openai.onlyRequest("/v1/chat/completions").getBodyAsString());
    assertThat(chat.getString("model")).isEqualTo("gpt-b");
    assertThat(chat.containsKey("x_anthropic")).isFalse();
  }

  @Test
  void anErrorAfterTheFirstContentEventEndsTheRelayWithAnAnthropicErrorEvent() throws Exception {
    String stream = Fixtures.text("anthropic/error-midstream.sse");
    anthropic.stub("/messages", FakeProvider.sseReply(stream));
    openai.chatStream(FakeProvider.chatChunks("c1", "gpt-b", "never"));
    start();
    HttpResponse<String> resp = messages(REQUEST.formatted(",\"stream\":true"));

    assertThat(resp.statusCode()).isEqualTo(200);
    String relayed = stream.substring(0, stream.indexOf("event: error"));
    assertThat(resp.body()).startsWith(relayed);
    List<JsonObject> events = SseClient.typedEvents(resp.body());
    JsonObject last = events.get(events.size() - 1);
    assertThat(last.getString("type")).isEqualTo("error");
    assertThat(last.getJsonObject("error").getString("type")).isEqualTo("overloaded_error");
    assertThat(resp.body().substring(relayed.length())).as("one error event and nothing after it")
        .startsWith("event: error\ndata: ").endsWith("\n\n").doesNotContain("message_stop");
    assertThat(openai.server().getAllServeEvents()).as("no failover after the commit").isEmpty();
  }

  @Test
  void aCutStreamAfterCommitAlsoEndsWithAnErrorEvent() throws Exception {
    String stream = Fixtures.text("anthropic/text.sse");
    String cut = stream.substring(0, stream.indexOf("event: content_block_stop"));
    anthropic.stub(post(urlPathEqualTo("/v1/messages")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/event-stream").withBody(cut)));
    start();
    HttpResponse<String> resp = messages(REQUEST.formatted(",\"stream\":true"));

    assertThat(resp.body()).startsWith(cut);
    List<JsonObject> events = SseClient.typedEvents(resp.body());
    assertThat(events.get(events.size() - 1).getString("type")).isEqualTo("error");
  }

  @Test
  void anUpstreamErrorStatusBeforeAnythingIsAnAnthropicErrorWhenNothingElseCanServe() throws Exception {
    anthropic.stub("/messages", FakeProvider.jsonReply(400,
        "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"max_tokens: too large\"}}"));
    start();
    HttpResponse<String> resp = messages(REQUEST.formatted(""));

    assertPassedThrough(REQUEST.formatted(""));
    assertThat(resp.statusCode()).isEqualTo(400);
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.getString("type")).isEqualTo("error");
    assertThat(body.getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
    assertThat(body.getJsonObject("error").getString("message")).contains("max_tokens: too large");
  }

  @Test
  void anUpstreamOverloadIsA529OverloadedErrorWhenNothingElseCanServe() throws Exception {
    anthropic.stub("/messages", FakeProvider.jsonReply(529,
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
    start();
    // The model's own name: only claude serves it, so its error is the answer.
    HttpResponse<String> resp = messages(REQUEST.formatted("").replace("claude-smart", "claude-sonnet-4-5"));

    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("claude:529");
    assertThat(resp.statusCode()).as("Anthropic's SDKs raise OverloadedError for 529, not a 502 api_error")
        .isEqualTo(529);
    JsonObject error = new JsonObject(resp.body()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("overloaded_error");
    assertThat(error.getString("message")).contains("HTTP 529", "Overloaded");
  }

  @Test
  void aNativeReplyIsCachedAndReplayedInItsOwnShapeJsonAndStream() throws Exception {
    String reply = Fixtures.text("anthropic/reply-tools.json");
    String stream = Fixtures.text("anthropic/tools.sse");
    anthropic.stub(post(urlPathEqualTo("/v1/messages")).withRequestBody(
        com.github.tomakehurst.wiremock.client.WireMock.notContaining("\"stream\""))
        .willReturn(FakeProvider.jsonReply(200, reply)));
    anthropic.stub(post(urlPathEqualTo("/v1/messages")).withRequestBody(
        com.github.tomakehurst.wiremock.client.WireMock.containing("\"stream\":true"))
        .willReturn(FakeProvider.sseReply(stream)));
    start(config -> config.section("cache", "{mode: deterministic}"));
    String json = REQUEST.formatted(",\"temperature\":0");
    String streaming = REQUEST.formatted(",\"temperature\":0,\"stream\":true");

    HttpResponse<String> first = messages(json);
    HttpResponse<String> second = messages(json);
    assertThat(first.headers().firstValue("x-switchboard-cache")).hasValue("MISS");
    assertThat(second.headers().firstValue("x-switchboard-cache")).hasValue("HIT");
    assertThat(second.body()).as("replayed as the provider sent it, not translated again").isEqualTo(reply);

    HttpResponse<String> firstStream = messages(streaming);
    HttpResponse<String> secondStream = messages(streaming);
    assertThat(firstStream.body()).isEqualTo(stream);
    assertThat(secondStream.headers().firstValue("x-switchboard-cache")).hasValue("HIT");
    assertThat(secondStream.body()).isEqualTo(stream);
    assertThat(anthropic.server().getAllServeEvents()).as("one upstream call each").hasSize(2);
  }
}
