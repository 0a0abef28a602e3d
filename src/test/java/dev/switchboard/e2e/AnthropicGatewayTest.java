package dev.switchboard.e2e;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Golden;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static org.assertj.core.api.Assertions.assertThat;

/** The gateway in front of WireMock playing Anthropic's Messages API: JSON, SSE, errors and unsupported endpoints. */
class AnthropicGatewayTest {
  private static final String KEY = "sk-ant-api03-provider-secret-key-0123456789";
  private static final String CHAT = "{\"model\":\"claude\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
      + "{\"role\":\"user\",\"content\":\"Hello\"}]%s}";

  private FakeProvider upstream;
  private GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    upstream = new FakeProvider();
    gateway = TestConfig.empty()
        .provider("anth", "type: anthropic", "base_url: " + upstream.rootUrl() + "/v1", "api_key: " + KEY,
            "models: [claude-x]", "timeouts: {connect: 1s, first_byte: 3s, idle: 3s, total: 10s}")
        .provider("local", "type: local", "models: [switchboard-local]")
        .model("claude", "anth/claude-x").start();
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.close();
  }

  private void stubMessages(com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder reply) {
    upstream.stub("/messages", reply);
  }

  private LoggedRequest onlyUpstreamRequest() {
    return upstream.onlyRequest("/v1/messages");
  }

  private static JsonObject error(HttpResponse<String> resp) {
    return FakeProvider.errorOf(resp);
  }

  @Test
  void jsonChatIsTranslatedBothWays() throws Exception {
    stubMessages(FakeProvider.jsonReply(200, Fixtures.text("anthropic/reply-text.json")));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(",\"max_tokens\":64"));

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("anth");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("anth:200");
    JsonObject reply = new JsonObject(resp.body());
    assertThat(reply.getString("object")).isEqualTo("chat.completion");
    assertThat(reply.getString("id")).isEqualTo("msg_013Zva2CMHLNnXjNJJKqJ2EF");
    assertThat(reply.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
        .isEqualTo("Hi! My name is Claude.");
    assertThat(reply.getJsonObject("usage").getInteger("total_tokens")).isEqualTo(19);

    LoggedRequest sent = onlyUpstreamRequest();
    assertThat(sent.getHeader("x-api-key")).isEqualTo(KEY);
    assertThat(sent.getHeader("anthropic-version")).isEqualTo("2023-06-01");
    assertThat(sent.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(sent.containsHeader("Authorization")).isFalse();
    assertThat(new JsonObject(sent.getBodyAsString())).isEqualTo(new JsonObject("""
        {"model":"claude-x","system":"Be brief.","messages":[{"role":"user","content":[{"type":"text","text":"Hello"}]}],
         "max_tokens":64}"""));
    assertThat(resp.body()).doesNotContain(KEY);
  }

  @Test
  void streamIsTranslatedEventByEventWithUsageWhenAsked() throws Exception {
    stubMessages(FakeProvider.sseReply(Fixtures.text("anthropic/text.sse")).withChunkedDribbleDelay(25, 250));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions",
        CHAT.formatted(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    Golden.assertMatches(Fixtures.normalize(events.subList(0, events.size() - 1)), "anthropic/text.expected.jsonl");
    JsonObject sent = new JsonObject(onlyUpstreamRequest().getBodyAsString());
    assertThat(sent.getBoolean("stream")).isTrue();
    assertThat(sent.containsKey("stream_options")).isFalse();
    assertThat(onlyUpstreamRequest().getHeader("Accept")).isEqualTo("text/event-stream");
  }

  @Test
  void streamedToolCallsArriveAsIndexedDeltas() throws Exception {
    stubMessages(FakeProvider.sseReply(Fixtures.text("anthropic/tools.sse")).withChunkedDribbleDelay(30, 300));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(",\"stream\":true,"
        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}]"));

    List<String> events = SseClient.dataEvents(resp.body());
    List<String> expected = new ArrayList<>(Fixtures.lines("anthropic/tools.expected.jsonl"));
    expected.add("[DONE]");
    assertThat(Fixtures.normalize(events)).containsExactlyElementsOf(expected);
    assertThat(new JsonObject(onlyUpstreamRequest().getBodyAsString()).getJsonArray("tools").getJsonObject(0)
        .getString("name")).isEqualTo("get_weather");
  }

  @Test
  void modelsListsTheTranslatedProvidersModelsUnderTheirConfiguredNames() throws Exception {
    HttpResponse<String> resp = gateway.get("/v1/models");

    assertThat(resp.statusCode()).isEqualTo(200);
    List<String> ids = new JsonObject(resp.body()).getJsonArray("data").stream()
        .map(m -> ((JsonObject) m).getString("id")).toList();
    assertThat(ids).contains("claude-x", "claude");
    assertThat(new JsonObject(gateway.get("/v1/models/claude-x").body()).getString("owned_by")).isEqualTo("anth");
  }

  @Test
  void overloaded529IsATransientUpstreamError() throws Exception {
    stubMessages(FakeProvider.jsonReply(529,
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(""));

    assertThat(resp.statusCode()).isEqualTo(502);
    assertThat(error(resp).getString("type")).isEqualTo("upstream_error");
    assertThat(error(resp).getString("message")).contains("HTTP 529", "Overloaded");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("anth:529,anth:529");
  }

  @Test
  void promptTooLongIsContextLengthExceededForTheClient() throws Exception {
    stubMessages(FakeProvider.jsonReply(400, "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
        + "\"message\":\"prompt is too long: 208310 tokens > 200000 maximum\"}}"));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(""));

    assertThat(resp.statusCode()).isEqualTo(400);
    assertThat(error(resp).getString("type")).isEqualTo("invalid_request_error");
    assertThat(error(resp).getString("code")).isEqualTo("context_length_exceeded");
    assertThat(error(resp).getString("message")).isEqualTo("prompt is too long: 208310 tokens > 200000 maximum");
  }

  @Test
  void rejectedProviderKeyIsTheGatewaysProblemAndNeverEchoed() throws Exception {
    stubMessages(FakeProvider.jsonReply(401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
        + "\"message\":\"invalid x-api-key " + KEY + "\"}}"));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(""));

    assertThat(resp.statusCode()).isEqualTo(502);
    assertThat(error(resp).getString("code")).isEqualTo("upstream_auth_failed");
    assertThat(resp.headers().firstValue("x-should-retry")).hasValue("false");
    assertThat(resp.body()).doesNotContain(KEY).doesNotContain("provider-secret");
  }

  @Test
  void rateLimitKeepsRetryAfter() throws Exception {
    stubMessages(FakeProvider.jsonReply(429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
        + "\"message\":\"Number of request tokens has exceeded your per-minute rate limit\"}}")
        .withHeader("retry-after", "12"));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(""));

    assertThat(resp.statusCode()).isEqualTo(429);
    assertThat(error(resp).getString("code")).isEqualTo("upstream_rate_limited");
    assertThat(resp.headers().firstValue("retry-after")).hasValue("12");
  }

  @Test
  void errorEventAfterContentEndsTheStreamInBand() throws Exception {
    stubMessages(FakeProvider.sseReply(Fixtures.text("anthropic/error-midstream.sse")));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(",\"stream\":true"));

    assertThat(resp.statusCode()).isEqualTo(200);
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events).hasSize(4);
    assertThat(Fixtures.normalize(events.subList(0, 2)))
        .containsExactlyElementsOf(Fixtures.lines("anthropic/error-midstream.expected.jsonl"));
    JsonObject inBand = new JsonObject(events.get(2)).getJsonObject("error");
    assertThat(inBand.getString("code")).isEqualTo("overloaded");
    assertThat(inBand.getString("message")).contains("Overloaded");
    assertThat(events.get(3)).isEqualTo("[DONE]");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("anth:200");
  }

  @Test
  void errorEventBeforeContentIsACleanHttpError() throws Exception {
    stubMessages(FakeProvider.sseReply(Fixtures.text("anthropic/error-before-content.sse")));

    HttpResponse<String> resp = gateway.post("/v1/chat/completions", CHAT.formatted(",\"stream\":true"));

    // nothing was committed: the role preamble was held back, so the client gets an HTTP error it can retry
    assertThat(resp.statusCode()).isEqualTo(502);
    assertThat(resp.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(error(resp).getString("code")).isEqualTo("overloaded");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("anth:stream-error,anth:stream-error");
  }

  @Test
  void endpointsTheMessagesApiLacksAreAClear400WithoutAnUpstreamCall() throws Exception {
    HttpResponse<String> images = gateway.post("/v1/images/generations", "{\"model\":\"claude\",\"prompt\":\"a cat\"}");
    HttpResponse<String> embeddings = gateway.post("/v1/embeddings", "{\"model\":\"claude-x\",\"input\":\"hi\"}");

    for (HttpResponse<String> resp : List.of(images, embeddings)) {
      assertThat(resp.statusCode()).as(resp.body()).isEqualTo(400);
      assertThat(error(resp).getString("type")).isEqualTo("invalid_request_error");
      assertThat(error(resp).getString("code")).isEqualTo("unsupported_by_provider");
      // refused, not answered by the local fallback as if no provider were configured
      assertThat(resp.headers().firstValue("x-switchboard-degraded")).isEmpty();
    }
    assertThat(error(images).getString("message")).contains("chat completions only", "/v1/images/generations");
    assertThat(upstream.server().findAll(postRequestedFor(anyUrl()))).isEmpty();
  }
}
