package dev.switchboard.server;

import dev.switchboard.testing.FakeProvider;
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

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

class ChatProxyTest {
  private FakeProvider upstream;
  private GatewayUnderTest gateway;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeEach
  void start() {
    upstream = new FakeProvider();
    gateway = TestConfig.oneProvider(upstream).clientKey("team-a", "sb-client-key-1").model("fast", "up/gpt-real")
        .start();
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.close();
  }

  /** With the client key unless {@code headers} replace it. */
  private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    String[] all = new String[headers.length + 2];
    all[0] = "Authorization";
    all[1] = "Bearer sb-client-key-1";
    System.arraycopy(headers, 0, all, 2, headers.length);
    return gateway.post(path, body, all);
  }

  @Test
  void jsonReplyPassesThroughByteForByteWithSwitchboardHeaders() throws Exception {
    String upstreamBody = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",  \"model\":\"gpt-real\","
        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4},\"x_extra\":1.50}";
    upstream.stub("/chat/completions", com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200)
        .withHeader("Content-Type", "application/json").withBody(upstreamBody));

    HttpResponse<String> resp = post("/v1/chat/completions",
        Requests.chat("gpt-real", "hi").toString(), "x-request-id", "my-req-42");

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.body()).isEqualTo(upstreamBody);
    assertThat(resp.headers().firstValue("x-request-id")).hasValue("my-req-42");
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("up");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("up:200");
    assertThat(resp.headers().firstValue("x-switchboard-cache")).hasValue("BYPASS");
  }

  @Test
  void unknownFieldsPassThroughAndKeysAreSwapped() throws Exception {
    upstream.chatJson("ok");
    String body = """
        {"model":"fast","messages":[{"role":"user","content":"hi"}],
         "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
         "tool_choice":"auto","response_format":{"type":"json_object"},"seed":7,"logprobs":true,"n":2,
         "vendor_knob":{"a":[1,2,3]}}""";

    HttpResponse<String> resp = post("/v1/chat/completions", body);

    assertThat(resp.statusCode()).isEqualTo(200);
    JsonObject expected = new JsonObject(body).put("model", "gpt-real");
    upstream.server().verify(postRequestedFor(urlPathEqualTo("/v1/chat/completions"))
        .withHeader("Authorization", equalTo("Bearer sk-provider-secret"))
        .withRequestBody(equalToJson(expected.encode())));
    assertThat(resp.body()).doesNotContain("sk-provider-secret");
  }

  @Test
  void streamIsRelayedInOrderAndUsageChunkStrippedWhenClientDidNotAsk() throws Exception {
    List<String> chunks = FakeProvider.chatChunks("chatcmpl-s", "gpt-real", "Hel", "lo", "!");
    upstream.chatStream(chunks);

    HttpResponse<String> resp = post("/v1/chat/completions",
        Requests.chat("gpt-real", "hi").stream().toString());

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    List<String> events = SseClient.dataEvents(resp.body());
    // role, 3 content, finish; usage chunk removed because Switchboard (not the client) asked for it; then [DONE]
    assertThat(events).containsExactlyElementsOf(List.of(chunks.get(0), chunks.get(1), chunks.get(2), chunks.get(3),
        chunks.get(4), "[DONE]"));
    upstream.server().verify(postRequestedFor(urlPathEqualTo("/v1/chat/completions"))
        .withRequestBody(equalToJson("{\"stream\":true,\"stream_options\":{\"include_usage\":true}}", true, true)));
  }

  @Test
  void streamKeepsUsageChunkWhenClientAsked() throws Exception {
    List<String> chunks = FakeProvider.chatChunks("chatcmpl-s", "gpt-real", "a");
    upstream.chatStream(chunks);

    HttpResponse<String> resp = post("/v1/chat/completions", "{\"model\":\"gpt-real\",\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events).hasSize(chunks.size() + 1);
    assertThat(new JsonObject(events.get(events.size() - 2)).getJsonObject("usage").getInteger("total_tokens"))
        .isEqualTo(6);
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
  }

  @Test
  void clientKeyIsRequiredAndNeverForwarded() throws Exception {
    upstream.chatJson("ok");
    HttpResponse<String> none = http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(none.body()).getJsonObject("error").getString("type")).isEqualTo("authentication_error");

    HttpResponse<String> wrong = post("/v1/chat/completions", "{}", "Authorization", "Bearer nope-nope-nope");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(wrong.body()).getJsonObject("error").getString("code")).isEqualTo("invalid_api_key");
    // Both ways a key is accepted: Anthropic's clients send x-api-key and would be misled by a Bearer-only hint.
    assertThat(new JsonObject(wrong.body()).getJsonObject("error").getString("message"))
        .contains("'Authorization: Bearer <key>'", "'x-api-key: <key>'");

    post("/v1/chat/completions", Requests.chat("gpt-real", "x").toString());
    upstream.server().verify(postRequestedFor(urlPathEqualTo("/v1/chat/completions"))
        .withHeader("Authorization", equalTo("Bearer sk-provider-secret"))
        .withHeader("x-switchboard-provider", absent()));
    assertThat(upstream.server().getAllServeEvents())
        .noneMatch(e -> e.getRequest().getBodyAsString().contains("sb-client-key-1")
            || e.getRequest().getAllHeaderKeys().stream().anyMatch(h -> e.getRequest().getHeader(h).contains("sb-client-key-1")));
  }
}
