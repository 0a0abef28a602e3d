package dev.switchboard.server;

import com.github.tomakehurst.wiremock.http.Fault;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.RedisProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code POST /v1/responses} through the real gateway: translated to chat for a chat-only provider and back, routed,
 * failed over, cached, limited and stored like any chat request.
 */
class ResponsesFrontEndTest {
  private static final String KEY = "sb-responses-client-key";
  private FakeProvider a;
  private FakeProvider b;
  private GatewayUnderTest gateway;
  private final List<AutoCloseable> extra = new ArrayList<>();

  @BeforeEach
  void setUp() {
    a = new FakeProvider();
    b = new FakeProvider();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    for (AutoCloseable c : extra) {
      c.close();
    }
    a.close();
    b.close();
  }

  private GatewayUnderTest start(String more) {
    gateway = GatewayUnderTest.start("""
        auth:
          keys:
            - {name: team, key: %s, limits: {rpm: 3}}
        routing: {strategy: priority, explore: 0, retry: {per_provider: 0}}
        providers:
        %s
        %s
        models:
          fast:
            targets:
              - {provider: a, model: gpt-a}
              - {provider: b, model: gpt-b}
        %s
        """.formatted(KEY, a.providerYaml("a", "sk-responses-a-000000", "gpt-a"),
        b.providerYaml("b", "sk-responses-b-111111", "gpt-b"), more));
    return gateway;
  }

  private HttpResponse<String> responses(String body) throws Exception {
    return gateway.post("/v1/responses", body, "Authorization", "Bearer " + KEY);
  }

  /** A chat message's text, whether its content is a string or text parts. */
  private static String text(JsonObject message) {
    Object content = message.getValue("content");
    if (content instanceof String s) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    ((JsonArray) content).forEach(p -> sb.append(((JsonObject) p).getString("text", "")));
    return sb.toString();
  }

  private static List<JsonObject> events(String body) {
    return SseClient.typedEvents(body);
  }

  @Test
  void aJsonRequestIsTranslatedToChatUpstreamAndAnsweredAsAResponseObject() throws Exception {
    a.chatJson("Hello from a");
    start("");
    HttpResponse<String> resp = responses("""
        {"model": "fast", "instructions": "Be brief.", "input": "Say hello", "max_output_tokens": 50}""");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("a");
    assertThat(resp.headers().firstValue("x-request-id")).isPresent();
    JsonObject r = new JsonObject(resp.body());
    assertThat(r.getString("object")).isEqualTo("response");
    assertThat(r.getString("status")).isEqualTo("completed");
    assertThat(r.getString("id")).startsWith("resp_");
    JsonObject message = r.getJsonArray("output").getJsonObject(0);
    assertThat(message.getString("type")).isEqualTo("message");
    assertThat(message.getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("Hello from a");
    assertThat(r.getJsonObject("usage").getInteger("input_tokens")).isEqualTo(11);
    assertThat(r.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(7);
    assertThat(r.getJsonObject("usage").getInteger("total_tokens")).isEqualTo(18);

    JsonObject upstream = new JsonObject(a.onlyRequest("/v1/chat/completions").getBodyAsString());
    assertThat(upstream.getString("model")).isEqualTo("gpt-a");
    assertThat(upstream.getJsonArray("messages").getJsonObject(0).getString("role")).isEqualTo("system");
    assertThat(upstream.getJsonArray("messages").getJsonObject(0).getString("content")).isEqualTo("Be brief.");
    assertThat(text(upstream.getJsonArray("messages").getJsonObject(1))).isEqualTo("Say hello");
  }

  @Test
  void aStreamCarriesTheDocumentedEventsInOrderWithUsageAndNoDone() throws Exception {
    a.chatStream(FakeProvider.chatChunks("c1", "gpt-a", "Hel", "lo ", "wörld"));
    start("");
    HttpResponse<String> resp = responses("{\"model\": \"fast\", \"input\": \"hi\", \"stream\": true}");

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    assertThat(resp.body()).doesNotContain("[DONE]");
    List<JsonObject> events = events(resp.body());
    assertThat(events).extracting(e -> e.getString("type")).containsExactly(
        "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
        "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
        "response.output_text.done", "response.content_part.done", "response.output_item.done",
        "response.completed");
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).getInteger("sequence_number")).isEqualTo(i);
    }
    assertThat(events.get(7).getString("text")).isEqualTo("Hello wörld");
    JsonObject done = events.get(events.size() - 1).getJsonObject("response");
    assertThat(done.getString("status")).isEqualTo("completed");
    assertThat(done.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(3);
  }

  @Test
  void aProviderFailingBeforeTheFirstOutputEventIsFailedOverInvisibly() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "overloaded");
    b.chatStream(FakeProvider.chatChunks("c2", "gpt-b", "from b"));
    start("");
    HttpResponse<String> resp = responses("{\"model\": \"fast\", \"input\": \"hi\", \"stream\": true}");

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("a:503,b:200");
    List<JsonObject> events = events(resp.body());
    assertThat(events.get(0).getString("type")).isEqualTo("response.created");
    assertThat(events.get(events.size() - 1).getString("type")).isEqualTo("response.completed");
    assertThat(resp.body()).doesNotContain("response.failed");
  }

  @Test
  void aStreamCutAfterItsFirstOutputEndsWithResponseFailedNeverASilentClose() throws Exception {
    // Text, then the connection ends without a finish or [DONE].
    String cut = "data: " + FakeProvider.chunk("c3", "gpt-a", new JsonObject().put("role", "assistant")
        .put("content", "partial"), null).encode() + "\n\n";
    a.stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
        .withBody(cut));
    start("");
    HttpResponse<String> resp = responses("{\"model\": \"fast\", \"input\": \"hi\", \"stream\": true}");

    assertThat(resp.statusCode()).isEqualTo(200);
    List<JsonObject> events = events(resp.body());
    assertThat(events).extracting(e -> e.getString("type")).contains("response.output_text.delta");
    JsonObject last = events.get(events.size() - 1);
    assertThat(last.getString("type")).isEqualTo("response.failed");
    assertThat(last.getJsonObject("response").getString("status")).isEqualTo("failed");
    assertThat(last.getJsonObject("response").getJsonObject("error").getString("message")).isNotBlank();
  }

  @Test
  void aStoredResponseIsItsClientKeysAloneAnotherKeyCannotReadContinueOrDeleteIt() throws Exception {
    a.chatJson("Paris.");
    String otherKey = "sb-responses-other-key";
    gateway = GatewayUnderTest.start("""
        auth:
          keys:
            - {name: team, key: %s}
            - {name: other, key: %s}
        providers:
        %s
        """.formatted(KEY, otherKey, a.providerYaml("a", "sk-responses-a-000000", "gpt-a")));
    String id = new JsonObject(responses("{\"model\": \"gpt-a\", \"input\": \"Capital of France?\"}").body())
        .getString("id");

    // As OpenAI scopes a response to its project: to another key it does not exist (its prompt and answer included).
    HttpResponse<String> read = gateway.get("/v1/responses/" + id, "Authorization", "Bearer " + otherKey);
    HttpResponse<String> continued = gateway.post("/v1/responses", """
        {"model": "gpt-a", "input": "And of Italy?", "previous_response_id": "%s"}""".formatted(id),
        "Authorization", "Bearer " + otherKey);
    HttpResponse<String> deleted = gateway.send("DELETE", "/v1/responses/" + id, null, "Authorization",
        "Bearer " + otherKey);

    assertThat(read.statusCode()).isEqualTo(404);
    assertThat(read.body()).doesNotContain("Paris", "France");
    assertThat(continued.statusCode()).isEqualTo(404);
    assertThat(FakeProvider.errorOf(continued).getString("param")).isEqualTo("previous_response_id");
    assertThat(deleted.statusCode()).isEqualTo(404);
    assertThat(gateway.get("/v1/responses/" + id, "Authorization", "Bearer " + KEY).statusCode())
        .as("still there for its own key").isEqualTo(200);
  }

  @Test
  void aStoredResponseCanBeContinuedReadAndDeleted() throws Exception {
    a.chatJson("Paris.");
    start("");
    JsonObject first = new JsonObject(responses("{\"model\": \"fast\", \"input\": \"Capital of France?\"}").body());
    String id = first.getString("id");

    HttpResponse<String> second = responses("""
        {"model": "fast", "input": "And of Italy?", "previous_response_id": "%s"}""".formatted(id));
    assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
    assertThat(new JsonObject(second.body()).getString("previous_response_id")).isEqualTo(id);
    var requests = a.server().findAll(postRequestedFor(urlPathEqualTo("/v1/chat/completions")));
    JsonArray messages = new JsonObject(requests.get(requests.size() - 1).getBodyAsString()).getJsonArray("messages");
    assertThat(messages).hasSize(3);
    assertThat(text(messages.getJsonObject(0))).isEqualTo("Capital of France?");
    assertThat(messages.getJsonObject(1).getString("role")).isEqualTo("assistant");
    assertThat(messages.getJsonObject(1).encode()).contains("Paris.");
    assertThat(text(messages.getJsonObject(2))).isEqualTo("And of Italy?");

    HttpResponse<String> read = gateway.get("/v1/responses/" + id, "Authorization", "Bearer " + KEY);
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(read.body()).getString("id")).isEqualTo(id);
    HttpResponse<String> deleted = gateway.send("DELETE", "/v1/responses/" + id, null, "Authorization",
        "Bearer " + KEY);
    assertThat(new JsonObject(deleted.body()).getMap()).containsEntry("id", id).containsEntry("deleted", true)
        .containsEntry("object", "response.deleted");
    HttpResponse<String> gone = gateway.get("/v1/responses/" + id, "Authorization", "Bearer " + KEY);
    assertThat(gone.statusCode()).isEqualTo(404);
    assertThat(FakeProvider.errorOf(gone).getString("type")).isEqualTo("invalid_request_error");
  }

  @Test
  void anUnknownPreviousResponseIsA404InOpenAisShapeWithoutAnUpstreamCall() throws Exception {
    start("");
    HttpResponse<String> resp = responses(
        "{\"model\": \"fast\", \"input\": \"hi\", \"previous_response_id\": \"resp_nope\"}");
    assertThat(resp.statusCode()).isEqualTo(404);
    JsonObject error = FakeProvider.errorOf(resp);
    assertThat(error.getString("param")).isEqualTo("previous_response_id");
    assertThat(a.server().getAllServeEvents()).isEmpty();
  }

  @Test
  void aBuiltInToolIsA400NamingTheFieldWithoutAnUpstreamCall() throws Exception {
    start("");
    HttpResponse<String> resp = responses(
        "{\"model\": \"fast\", \"input\": \"hi\", \"tools\": [{\"type\": \"web_search\"}]}");
    assertThat(resp.statusCode()).isEqualTo(400);
    assertThat(FakeProvider.errorOf(resp).getString("param")).isEqualTo("tools[0].type");
    assertThat(a.server().getAllServeEvents()).isEmpty();
  }

  @Test
  void aRepeatedDeterministicRequestIsACacheHitInTheResponsesShapeAndChatDoesNotShareIt() throws Exception {
    a.chatJson("cached answer");
    start("cache: {mode: deterministic}\n");
    String body = "{\"model\": \"fast\", \"input\": \"same\", \"temperature\": 0}";
    HttpResponse<String> first = responses(body);
    HttpResponse<String> second = responses(body);

    assertThat(second.headers().firstValue("x-switchboard-cache")).hasValue("HIT");
    JsonObject hit = new JsonObject(second.body());
    assertThat(hit.getString("object")).isEqualTo("response");
    assertThat(hit.getJsonArray("output").getJsonObject(0).encode()).contains("cached answer");
    assertThat(first.headers().firstValue("x-switchboard-cache")).hasValue("MISS");
    HttpResponse<String> chat = gateway.post("/v1/chat/completions",
        "{\"model\": \"fast\", \"temperature\": 0, \"messages\": [{\"role\": \"user\", \"content\": \"same\"}]}",
        "Authorization", "Bearer " + KEY);
    assertThat(chat.headers().firstValue("x-switchboard-cache")).as("the front end is part of the key")
        .hasValue("MISS");
    assertThat(new JsonObject(chat.body()).getString("object")).isEqualTo("chat.completion");
  }

  @Test
  void theKeysRateLimitAppliesAndAnswersInOpenAisShape() throws Exception {
    a.chatJson("ok");
    start("");
    for (int i = 0; i < 3; i++) {
      assertThat(responses("{\"model\": \"fast\", \"input\": \"hi " + i + "\"}").statusCode()).isEqualTo(200);
    }
    HttpResponse<String> limited = responses("{\"model\": \"fast\", \"input\": \"one more\"}");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("retry-after")).isPresent();
    assertThat(FakeProvider.errorOf(limited).getString("type")).isEqualTo("rate_limit_error");
  }

  @Test
  void aResponseStoredInRedisIsContinuedOnAnotherInstance() throws Exception {
    assumeTrue(RedisProcess.find().isPresent(), "redis-server is not installed");
    RedisProcess redis = RedisProcess.start();
    extra.add(redis);
    a.chatJson("Paris.");
    String store = "responses: {store: redis, redis: {url: \"" + redis.url() + "\"}}\n";
    start(store);
    GatewayUnderTest first = gateway;
    String id = new JsonObject(responses("{\"model\": \"fast\", \"input\": \"Capital of France?\"}").body())
        .getString("id");
    GatewayUnderTest other = GatewayUnderTest.start(("""
        auth:
          keys:
            - {name: team, key: %s}
        providers:
        %s
        models:
          fast:
            targets:
              - {provider: a, model: gpt-a}
        """ + store).formatted(KEY, a.providerYaml("a", "sk-responses-a-000000", "gpt-a")));
    extra.add(other);

    HttpResponse<String> continued = other.post("/v1/responses", """
        {"model": "fast", "input": "And of Italy?", "previous_response_id": "%s"}""".formatted(id),
        "Authorization", "Bearer " + KEY);
    assertThat(continued.statusCode()).as(continued.body()).isEqualTo(200);
    var requests = a.server().findAll(postRequestedFor(urlPathEqualTo("/v1/chat/completions")));
    assertThat(new JsonObject(requests.get(requests.size() - 1).getBodyAsString()).getJsonArray("messages"))
        .hasSize(3);
    assertThat(other.get("/v1/responses/" + id, "Authorization", "Bearer " + KEY).statusCode()).isEqualTo(200);
    assertThat(first.get("/v1/responses/" + id, "Authorization", "Bearer " + KEY).statusCode()).isEqualTo(200);
  }

  @Test
  void anUpstreamResetBeforeAnyOutputOnTheOnlyProviderIsAnErrorInOpenAisShape() throws Exception {
    a.fault("/chat/completions", Fault.CONNECTION_RESET_BY_PEER);
    b.fault("/chat/completions", Fault.CONNECTION_RESET_BY_PEER);
    start("");
    HttpResponse<String> resp = responses("{\"model\": \"fast\", \"input\": \"hi\"}");
    assertThat(resp.statusCode()).isGreaterThanOrEqualTo(500);
    assertThat(FakeProvider.errorOf(resp).getString("message")).isNotBlank();
  }
}
