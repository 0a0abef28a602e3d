package dev.switchboard.server;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.SseClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /v1/messages} through the real gateway: Anthropic-protocol clients routed to an OpenAI-compatible
 * provider, with Anthropic's shapes for replies, streams and errors.
 */
class MessagesFrontEndTest {
  private static final String KEY = "sb-messages-client-key";
  private FakeProvider a;
  private FakeProvider b;
  private GatewayUnderTest gateway;

  @BeforeEach
  void setUp() {
    a = new FakeProvider();
    b = new FakeProvider();
  }

  @AfterEach
  void tearDown() {
    if (gateway != null) {
      gateway.close();
    }
    a.close();
    b.close();
  }

  private void start() {
    gateway = GatewayUnderTest.start("""
        auth:
          keys:
            - {name: agent, key: %s, limits: {rpm: 4}}
        routing: {strategy: priority, explore: 0, retry: {per_provider: 0}}
        providers:
        %s
        %s
        models:
          claude-fast:
            targets:
              - {provider: a, model: gpt-a}
              - {provider: b, model: gpt-b}
        """.formatted(KEY, a.providerYaml("a", "sk-messages-a-000000", "gpt-a"),
        b.providerYaml("b", "sk-messages-b-111111", "gpt-b")));
  }

  private HttpResponse<String> messages(String body, String... headers) throws Exception {
    List<String> h = new ArrayList<>(List.of("x-api-key", KEY, "anthropic-version", "2023-06-01"));
    h.addAll(List.of(headers));
    return gateway.post("/v1/messages", body, h.toArray(String[]::new));
  }

  private static List<JsonObject> events(String body) {
    return SseClient.typedEvents(body);
  }

  private static JsonObject anthropicError(HttpResponse<String> resp) {
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.getString("type")).as(resp.body()).isEqualTo("error");
    return body.getJsonObject("error");
  }

  @Test
  void aMessageWithTheKeyInXApiKeyIsAnsweredInAnthropicsShape() throws Exception {
    a.chatJson("Hi there");
    start();
    HttpResponse<String> resp = messages("""
        {"model": "claude-fast", "max_tokens": 100, "system": "Be kind.",
         "messages": [{"role": "user", "content": "Hello"}]}""");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("a");
    JsonObject m = new JsonObject(resp.body());
    assertThat(m.getString("type")).isEqualTo("message");
    assertThat(m.getString("role")).isEqualTo("assistant");
    assertThat(m.getJsonArray("content").getJsonObject(0).getMap()).containsEntry("type", "text")
        .containsEntry("text", "Hi there");
    assertThat(m.getString("stop_reason")).isEqualTo("end_turn");
    assertThat(m.getJsonObject("usage").getInteger("input_tokens")).isEqualTo(11);
    assertThat(m.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(7);
    JsonObject upstream = new JsonObject(a.onlyRequest("/v1/chat/completions").getBodyAsString());
    assertThat(upstream.getJsonArray("messages").getJsonObject(0).getString("content")).isEqualTo("Be kind.");
    assertThat(upstream.containsKey("x_anthropic")).as("Anthropic-only extras never reach OpenAI").isFalse();
  }

  @Test
  void theBearerHeaderWorksToo() throws Exception {
    a.chatJson("ok");
    start();
    HttpResponse<String> resp = gateway.post("/v1/messages",
        "{\"model\": \"claude-fast\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
        "Authorization", "Bearer " + KEY);
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
  }

  @Test
  void aStreamFollowsAnthropicsEventSequenceWithUsageAndNoDone() throws Exception {
    a.chatStream(FakeProvider.chatChunks("c1", "gpt-a", "Hel", "lo"));
    start();
    HttpResponse<String> resp = messages("""
        {"model": "claude-fast", "max_tokens": 100, "stream": true,
         "messages": [{"role": "user", "content": "Hello"}]}""");

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.body()).doesNotContain("[DONE]");
    List<JsonObject> events = events(resp.body());
    assertThat(events).extracting(e -> e.getString("type")).containsExactly("message_start",
        "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta",
        "message_stop");
    assertThat(events.get(2).getJsonObject("delta").getString("text")).isEqualTo("Hel");
    JsonObject delta = events.get(5);
    assertThat(delta.getJsonObject("delta").getString("stop_reason")).isEqualTo("end_turn");
    assertThat(delta.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(2);
  }

  @Test
  void toolCallsBecomeToolUseBlocksWithParsedInput() throws Exception {
    JsonObject reply = FakeProvider.chatCompletion("c2", "gpt-a", null);
    reply.getJsonArray("choices").getJsonObject(0).put("finish_reason", "tool_calls").getJsonObject("message")
        .put("tool_calls", new JsonArray().add(new JsonObject().put("id", "call_1").put("type", "function")
            .put("function", new JsonObject().put("name", "weather").put("arguments", "{\"city\":\"Oslo\"}"))));
    a.stub("/chat/completions", FakeProvider.jsonReply(200, reply.encode()));
    start();
    HttpResponse<String> resp = messages("""
        {"model": "claude-fast", "max_tokens": 100,
         "tools": [{"name": "weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}],
         "messages": [{"role": "user", "content": "Weather in Oslo?"}]}""");

    JsonObject m = new JsonObject(resp.body());
    assertThat(m.getString("stop_reason")).isEqualTo("tool_use");
    JsonObject block = m.getJsonArray("content").stream().map(o -> (JsonObject) o)
        .filter(o -> "tool_use".equals(o.getString("type"))).findFirst().orElseThrow();
    assertThat(block.getString("id")).isEqualTo("call_1");
    assertThat(block.getJsonObject("input").getString("city")).isEqualTo("Oslo");
  }

  @Test
  void aStreamCutAfterCommitEndsWithAnErrorEvent() throws Exception {
    String cut = "data: " + FakeProvider.chunk("c3", "gpt-a", new JsonObject().put("role", "assistant")
        .put("content", "partial"), null).encode() + "\n\n";
    a.stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
        .withBody(cut));
    start();
    HttpResponse<String> resp = messages("""
        {"model": "claude-fast", "max_tokens": 100, "stream": true,
         "messages": [{"role": "user", "content": "Hello"}]}""");

    List<JsonObject> events = events(resp.body());
    JsonObject last = events.get(events.size() - 1);
    assertThat(last.getString("type")).isEqualTo("error");
    assertThat(last.getJsonObject("error").getString("type")).isNotBlank();
    assertThat(events).extracting(e -> e.getString("type")).doesNotContain("message_stop");
  }

  @Test
  void failoverBeforeTheFirstEventIsInvisible() throws Exception {
    a.error("/chat/completions", 500, "server_error", null, "boom");
    b.chatStream(FakeProvider.chatChunks("c4", "gpt-b", "from b"));
    start();
    HttpResponse<String> resp = messages("""
        {"model": "claude-fast", "max_tokens": 100, "stream": true,
         "messages": [{"role": "user", "content": "Hello"}]}""");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("a:500,b:200");
    List<JsonObject> events = events(resp.body());
    assertThat(events.get(0).getString("type")).isEqualTo("message_start");
    assertThat(events.get(events.size() - 1).getString("type")).isEqualTo("message_stop");
  }

  @Test
  void errorsComeInAnthropicsShapeWithTheMatchingStatus() throws Exception {
    a.chatJson("ok");
    start();
    HttpResponse<String> badKey = gateway.post("/v1/messages",
        "{\"model\": \"claude-fast\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
        "x-api-key", "wrong-key-123456");
    assertThat(badKey.statusCode()).isEqualTo(401);
    assertThat(anthropicError(badKey).getString("type")).isEqualTo("authentication_error");

    HttpResponse<String> noMax = messages("{\"model\": \"claude-fast\", \"messages\": [{\"role\": \"user\", "
        + "\"content\": \"hi\"}]}");
    assertThat(noMax.statusCode()).isEqualTo(400);
    assertThat(anthropicError(noMax).getString("type")).isEqualTo("invalid_request_error");
    assertThat(anthropicError(noMax).getString("message")).contains("max_tokens");

    HttpResponse<String> unknown = messages("{\"model\": \"no-such-model\", \"max_tokens\": 10, \"messages\": "
        + "[{\"role\": \"user\", \"content\": \"hi\"}]}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(anthropicError(unknown).getString("type")).isEqualTo("not_found_error");

    HttpResponse<String> malformed = messages("{not json");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(anthropicError(malformed).getString("type")).isEqualTo("invalid_request_error");
  }

  @Test
  void theKeysRateLimitIsA429RateLimitErrorWithRetryAfter() throws Exception {
    a.chatJson("ok");
    start();
    String body = "{\"model\": \"claude-fast\", \"max_tokens\": 10, \"messages\": [{\"role\": \"user\", "
        + "\"content\": \"hi\"}]}";
    for (int i = 0; i < 4; i++) {
      assertThat(messages(body).statusCode()).isEqualTo(200);
    }
    HttpResponse<String> limited = messages(body);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("retry-after")).isPresent();
    assertThat(anthropicError(limited).getString("type")).isEqualTo("rate_limit_error");
  }

  @Test
  void countTokensAnswersAnEstimateWithoutCallingTheProvider() throws Exception {
    start();
    HttpResponse<String> resp = gateway.post("/v1/messages/count_tokens", """
        {"model": "claude-fast", "messages": [{"role": "user", "content": "Hello, how are you today?"}]}""",
        "x-api-key", KEY, "anthropic-version", "2023-06-01");
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(new JsonObject(resp.body()).getInteger("input_tokens")).isPositive();
    assertThat(a.server().getAllServeEvents()).isEmpty();
  }
}
