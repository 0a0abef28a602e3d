package dev.switchboard.server;

import dev.switchboard.testing.Closer;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.Fixtures;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code POST /v1/responses} to a provider with {@code responses: true} is passed through natively: the client's body
 * goes to its {@code /responses} with only the model changed, the response or the event stream comes back as sent,
 * the ledger and the store see it, and {@code previous_response_id} reaches only the provider that holds the earlier
 * response; any other target gets the conversation rebuilt.
 */
class ResponsesNativeTest {
  private static final String KEY = "sb-responses-native-key";
  private static final String REQUEST = """
      {"model":"gpt","input":[{"role":"user","content":[{"type":"input_text","text":"Weather?"}]}],"instructions":"Be brief.","tools":[{"type":"function","name":"get_weather","parameters":{"type":"object","properties":{"location":{"type":"string"}}}}],"reasoning":{"effort":"low"},"max_output_tokens":300,"metadata":{"ticket":"T-1"}%s}""";
  @RegisterExtension
  final Closer closer = new Closer();
  private final FakeProvider a = closer.register(new FakeProvider());
  private final FakeProvider b = closer.register(new FakeProvider());
  private final FakeProvider chat = closer.register(new FakeProvider());
  private GatewayUnderTest gateway;

  /** gpt: a and b speak the Responses API, chat only chat completions; tried in that order. */
  @BeforeEach
  void start() {
    gateway = closer.register(TestConfig.empty().clientKey("agent", KEY)
        .routing("{strategy: priority, explore: 0, retry: {per_provider: 0}}")
        .section("usage", "{persist: false, flush_interval: 50ms}")
        .providerEntry(a.providerYaml("a", "openai", "/v1", "sk-native-a-000000", List.of("gpt-a"),
            "    responses: true"))
        .providerEntry(b.providerYaml("b", "openai", "/v1", "sk-native-b-111111", List.of("gpt-b"),
            "    responses: true"))
        .provider("chat", chat, "sk-chat-only-222222", "gpt-c")
        .model("gpt", "a/gpt-a", "b/gpt-b", "chat/gpt-c").start());
  }

  private HttpResponse<String> responses(String body, String... headers) throws Exception {
    String[] all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = "Bearer " + KEY;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return gateway.post("/v1/responses", body, all);
  }

  private static JsonObject upstreamBody(FakeProvider provider) {
    return new JsonObject(provider.onlyRequest("/v1/responses").getBodyAsString());
  }

  @Test
  void theClientsBodyGoesToResponsesAsSentAndTheResponseComesBackUnchangedAndStored() throws Exception {
    String reply = Fixtures.text("responses/native/reply-text.json");
    a.stub("/responses", FakeProvider.jsonReply(200, reply));
    String body = REQUEST.formatted("");
    HttpResponse<String> resp = responses(body);

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.body()).as("the provider's response, byte for byte").isEqualTo(reply);
    assertThat(upstreamBody(a)).as("only the model changed").isEqualTo(new JsonObject(body).put("model", "gpt-a"));
    assertThat(a.onlyRequest("/v1/responses").getHeader("Authorization")).isEqualTo("Bearer sk-native-a-000000");
    JsonObject row = gateway.ledgerRow(resp);
    assertThat(row.getLong("prompt_tokens")).isEqualTo(36);
    assertThat(row.getLong("completion_tokens")).isEqualTo(9);
    HttpResponse<String> stored = gateway.get("/v1/responses/resp_whole", "Authorization", "Bearer " + KEY);
    assertThat(stored.statusCode()).as(stored.body()).isEqualTo(200);
    assertThat(new JsonObject(stored.body())).isEqualTo(new JsonObject(reply));
  }

  @Test
  void aStreamIsRelayedEventByEventWithSequenceNumbersAndUsage() throws Exception {
    String stream = Fixtures.text("responses/native/tools.sse");
    a.stub("/responses", FakeProvider.sseReply(stream));
    HttpResponse<String> resp = responses(REQUEST.formatted(",\"stream\":true"));

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.body()).isEqualTo(stream);
    assertThat(upstreamBody(a).getBoolean("stream")).isTrue();
    assertThat(upstreamBody(a).containsKey("stream_options")).as("no chat options added").isFalse();
    JsonObject row = gateway.ledgerRow(resp);
    assertThat(row.getLong("prompt_tokens")).isEqualTo(80);
    assertThat(row.getLong("completion_tokens")).isEqualTo(40);
    await().until(() -> gateway.get("/v1/responses/resp_tools", "Authorization", "Bearer " + KEY).statusCode() == 200);
  }

  @Test
  void aFailureAfterTheFirstDeltaEndsWithTheGatewaysResponseFailedContinuingTheNumbering() throws Exception {
    String stream = Fixtures.text("responses/native/failed-midstream.sse");
    a.stub("/responses", FakeProvider.sseReply(stream));
    HttpResponse<String> resp = responses(REQUEST.formatted(",\"stream\":true"));

    String relayed = stream.substring(0, stream.indexOf("event: response.failed"));
    assertThat(resp.body()).startsWith(relayed);
    List<JsonObject> events = SseClient.typedEvents(resp.body());
    JsonObject last = events.get(events.size() - 1);
    assertThat(last.getString("type")).isEqualTo("response.failed");
    assertThat(last.getLong("sequence_number")).isEqualTo(4);
    assertThat(last.getJsonObject("response").getString("id")).isEqualTo("resp_fail");
    assertThat(last.getJsonObject("response").getJsonObject("error").getString("message")).contains("The model crashed.");
    assertThat(b.server().getAllServeEvents()).as("no failover after the commit").isEmpty();
  }

  @Test
  void aFailureBeforeTheFirstDeltaFailsOverToAChatTargetTranslated() throws Exception {
    a.stub("/responses", FakeProvider.sseReply(Fixtures.text("responses/native/failed-before-content.sse")));
    b.error("/responses", 503, "server_error", null, "overloaded");
    chat.chatStream(FakeProvider.chatChunks("c1", "gpt-c", "Sunny"));
    HttpResponse<String> resp = responses(REQUEST.formatted(",\"stream\":true"));

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-switchboard-attempts").orElseThrow()).startsWith("a:")
        .contains(",b:503,").endsWith(",chat:200");
    assertThat(resp.body()).doesNotContain("resp_early");
    List<JsonObject> events = SseClient.typedEvents(resp.body());
    assertThat(events.get(0).getString("type")).isEqualTo("response.created");
    assertThat(events.get(events.size() - 1).getString("type")).isEqualTo("response.completed");
    assertThat(resp.body()).contains("\"delta\":\"Sunny\"");
    assertThat(upstreamBody(a)).isEqualTo(new JsonObject(REQUEST.formatted(",\"stream\":true")).put("model", "gpt-a"));
    assertThat(new JsonObject(chat.onlyRequest("/v1/chat/completions").getBodyAsString()).getJsonArray("messages"))
        .as("the chat target got the translation").isNotEmpty();
  }

  @Test
  void previousResponseIdGoesToTheProviderThatHoldsItAndIsRebuiltForAnother() throws Exception {
    a.stub("/responses", FakeProvider.jsonReply(200, Fixtures.text("responses/native/reply-text.json")));
    HttpResponse<String> first = responses(REQUEST.formatted(""));
    assertThat(first.statusCode()).isEqualTo(200);
    await().until(() -> gateway.get("/v1/responses/resp_whole", "Authorization", "Bearer " + KEY).statusCode() == 200);

    String next = """
        {"model":"gpt","previous_response_id":"resp_whole","input":"And tomorrow?"}""";
    a.server().resetRequests();
    HttpResponse<String> same = responses(next);
    assertThat(same.statusCode()).as(same.body()).isEqualTo(200);
    assertThat(upstreamBody(a)).as("the provider holding resp_whole continues it itself")
        .isEqualTo(new JsonObject(next).put("model", "gpt-a"));

    b.stub("/responses", FakeProvider.jsonReply(200, Fixtures.text("responses/native/reply-text.json")
        .replace("resp_whole", "resp_other")));
    HttpResponse<String> other = responses(next, "x-switchboard-provider", "b");
    assertThat(other.statusCode()).as(other.body()).isEqualTo(200);
    JsonObject rebuilt = upstreamBody(b);
    assertThat(rebuilt.containsKey("previous_response_id")).as("b does not know resp_whole").isFalse();
    JsonArray input = rebuilt.getJsonArray("input");
    assertThat(input.getJsonObject(0).getString("role")).as("the first request's input").isEqualTo("user");
    assertThat(input.getJsonObject(1).getString("type")).as("then its output").isEqualTo("message");
    assertThat(input.getJsonObject(1).getString("id")).isEqualTo("msg_n1");
    assertThat(input.getJsonObject(2).encode()).as("then the new input").contains("And tomorrow?");
    assertThat(rebuilt.getString("model")).isEqualTo("gpt-b");
  }
}
