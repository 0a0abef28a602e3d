package dev.switchboard.server;

import dev.switchboard.config.ConfigException;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Providers that misbehave in ways real ones do, and config mistakes that must not leak or hang. */
class UpstreamMisbehaviourTest {
  private static final String STREAM_BODY =
      Requests.chat("gpt-real", "hi").stream().toString();
  private static final String ROLE = FakeProvider.chunk("c1", "gpt-real",
      new JsonObject().put("role", "assistant").put("content", ""), null).encode();
  private static final String HELLO = FakeProvider.chunk("c1", "gpt-real",
      new JsonObject().put("content", "Hello"), null).encode();

  private Vertx vertx;
  private HttpServer upstream;
  private volatile Consumer<HttpServerRequest> behaviour;
  private final AtomicInteger requests = new AtomicInteger();
  private GatewayUnderTest gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void startUpstream() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer()
        .requestHandler(req -> req.body().onSuccess(b -> {
          requests.incrementAndGet();
          behaviour.accept(req);
        }))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** The gateway in front of the raw upstream, as provider {@code up} serving gpt-real; {@code fields} add to it. */
  private void startGateway(String... fields) {
    List<String> all = new ArrayList<>(List.of("type: openai",
        "base_url: http://127.0.0.1:" + upstream.actualPort() + "/v1", "models: [gpt-real]",
        "timeouts: {connect: 1s, first_byte: 3s, idle: 1s, total: 10s}"));
    all.addAll(List.of(fields));
    gateway = TestConfig.empty().provider("up", all.toArray(String[]::new)).start();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(8))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void sse(HttpServerRequest req, String... events) {
    var resp = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
    for (String e : events) {
      resp.write("data: " + e + "\n\n");
    }
  }

  @Test
  void failureRightAfterTheRolePreambleIsStillAnHttpError() throws Exception {
    behaviour = req -> {
      sse(req, ROLE);
      vertx.setTimer(50, id -> req.response().end(Buffer.buffer("data: {\"error\":{\"message\":\"overloaded\","
          + "\"type\":\"server_error\"}}\n\n")));
    };
    startGateway();
    HttpResponse<String> resp = post("/v1/chat/completions", STREAM_BODY);
    assertThat(resp.statusCode()).isEqualTo(502);
    assertThat(resp.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
    assertThat(new JsonObject(resp.body()).getJsonObject("error").getString("message")).contains("overloaded");
  }

  @Test
  void preambleIsDeliveredOnceContentArrives() throws Exception {
    behaviour = req -> {
      sse(req, ROLE);
      vertx.setTimer(50, id -> req.response().end(Buffer.buffer("data: " + HELLO + "\n\ndata: [DONE]\n\n")));
    };
    startGateway();
    HttpResponse<String> resp = post("/v1/chat/completions", STREAM_BODY);
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(SseClient.dataEvents(resp.body())).containsExactly(ROLE, HELLO, "[DONE]");
  }

  @Test
  void openRouterStyleMidStreamErrorEndsTheStreamWithAnInBandError() throws Exception {
    String orError = "{\"id\":\"gen-1\",\"provider\":\"X\",\"error\":{\"code\":502,\"message\":\"provider died\"},"
        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}";
    behaviour = req -> {
      sse(req, ROLE, HELLO, orError);
      req.response().end();
    };
    startGateway();
    HttpResponse<String> resp = post("/v1/chat/completions", STREAM_BODY);
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(events.subList(0, 2)).containsExactly(ROLE, HELLO);
    assertThat(new JsonObject(events.get(2)).getJsonObject("error").getString("message")).contains("provider died");
    assertThat(events.get(3)).isEqualTo("[DONE]");
    assertThat(events).hasSize(4);
  }

  @Test
  void providerThatNeverEndsItsResponseAfterDoneDoesNotHoldTheConnection() throws Exception {
    // [DONE] is sent but the chunked response is never terminated; with one pooled connection, the next request
    // can only be served once the gateway gives that connection up.
    behaviour = req -> sse(req, ROLE, HELLO, "[DONE]");
    gateway = TestConfig.empty().provider("up", "type: openai",
        "base_url: http://127.0.0.1:" + upstream.actualPort() + "/v1", "models: [gpt-real]", "max_connections: 1",
        "timeouts: {connect: 4s, first_byte: 5s, idle: 1s, total: 20s}").start();
    HttpResponse<String> first = post("/v1/chat/completions", STREAM_BODY);
    assertThat(SseClient.dataEvents(first.body())).endsWith("[DONE]");
    HttpResponse<String> second = post("/v1/chat/completions", STREAM_BODY);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(SseClient.dataEvents(second.body())).containsExactly(ROLE, HELLO, "[DONE]");
    assertThat(requests.get()).isEqualTo(2);
  }

  @Test
  void redirectFromUpstreamIsABadGatewayNotPassedOn() throws Exception {
    behaviour = req -> req.response().setStatusCode(301).putHeader("location", "https://elsewhere/v1").end();
    startGateway();
    HttpResponse<String> resp = post("/v1/chat/completions",
        Requests.chat("gpt-real", "hi").toString());
    assertThat(resp.statusCode()).isEqualTo(502);
    JsonObject error = new JsonObject(resp.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("invalid_upstream_response");
    assertThat(error.getString("message")).contains("301").contains("base_url");
  }

  @Test
  void embeddingLimitsAreEnforcedBeforeAnyProviderIsAsked() throws Exception {
    behaviour = req -> req.response().end("{}");
    startGateway();
    StringBuilder many = new StringBuilder("[");
    for (int i = 0; i < 2049; i++) {
      many.append(i == 0 ? "" : ",").append("\"a\"");
    }
    HttpResponse<String> tooMany = post("/v1/embeddings", "{\"model\":\"gpt-real\",\"input\":" + many + "]}");
    assertThat(tooMany.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(tooMany.body()).getJsonObject("error").getString("param")).isEqualTo("input");
    for (String dims : List.of("0", "-1", "200000000")) {
      HttpResponse<String> bad = post("/v1/embeddings", "{\"model\":\"gpt-real\",\"input\":\"x\",\"dimensions\":" + dims + "}");
      assertThat(bad.statusCode()).as("dimensions %s", dims).isEqualTo(400);
      assertThat(new JsonObject(bad.body()).getJsonObject("error").getString("param")).isEqualTo("dimensions");
    }
    assertThat(requests.get()).isZero();
  }

  @Test
  void headerValuesWithLineBreaksFailStartUpWithoutEchoingTheSecret() {
    // A trailing newline (a key read from a file) is trimmed; one inside the value is an error.
    assertThat(ConfigLoader.fromYaml("""
        providers:
          azure:
            base_url: https://res.openai.azure.com/openai/v1
            models: [gpt-4o]
            headers: {api-key: "${AZURE_KEY}"}
        """, Map.of("AZURE_KEY", "3f9a1c2b\n")).providers().get("azure").headers()).containsEntry("api-key", "3f9a1c2b");
    String yaml = """
        providers:
          azure:
            type: openai
            base_url: https://res.openai.azure.com/openai/v1
            models: [gpt-4o]
            headers:
              api-key: ${AZURE_KEY}
              "Bad Header:": x
        """;
    assertThatThrownBy(() -> ConfigLoader.fromYaml(yaml, Map.of("AZURE_KEY", "3f9a1c2b7d4e4f0a9b8c\r\nX-Injected: 1")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("providers.azure.headers.api-key")
        .hasMessageContaining("providers.azure.headers.Bad Header:")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("3f9a1c2b7d4e4f0a9b8c"));
    assertThatThrownBy(() -> ConfigLoader.fromYaml("""
        providers:
          p:
            base_url: https://user:hunter2secret@proxy.example.com/v1
            models: [m]
          q:
            base_url: http://127.0.0.1:70000/v1
            models: [m]
          r:
            base_url: http://127.0.0.1:1/v1
            models: [m]
            timeouts: {idle: 3000000h}
        """, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("providers.p.base_url").hasMessageContaining("providers.q.base_url")
        .hasMessageContaining("providers.r.timeouts.idle")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2secret"));
  }

  @Test
  void streamingRequestAnsweredWholeIsConvertedToAStream() throws Exception {
    String whole = """
        {"id":"chatcmpl-w","object":"chat.completion","created":1700000000,"model":"gpt-real",
         "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
           {"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{\\"q\\":1}"}}]},
           "finish_reason":"tool_calls"}],
         "usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}""";
    behaviour = req -> req.response().putHeader("content-type", "application/json").end(whole);
    startGateway();
    HttpResponse<String> resp = post("/v1/chat/completions", "{\"model\":\"gpt-real\",\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events).hasSize(3);
    JsonObject chunk = new JsonObject(events.get(0));
    assertThat(chunk.getString("object")).isEqualTo("chat.completion.chunk");
    JsonObject choice = chunk.getJsonArray("choices").getJsonObject(0);
    assertThat(choice.getString("finish_reason")).isEqualTo("tool_calls");
    JsonObject call = choice.getJsonObject("delta").getJsonArray("tool_calls").getJsonObject(0);
    assertThat(call.getInteger("index")).isZero();
    assertThat(call.getJsonObject("function").getString("arguments")).isEqualTo("{\"q\":1}");
    assertThat(new JsonObject(events.get(1)).getJsonObject("usage").getInteger("total_tokens")).isEqualTo(13);
    assertThat(events.get(2)).isEqualTo("[DONE]");
  }

  @Test
  void streamingRequestAnsweredWithAWholeErrorBodyIsABadGatewayNotAnEmptyStream() throws Exception {
    behaviour = req -> req.response().putHeader("content-type", "application/json")
        .end("{\"id\":\"gen-1\",\"error\":{\"message\":\"no capacity\",\"code\":503}}");
    startGateway();
    HttpResponse<String> resp = post("/v1/chat/completions", STREAM_BODY);
    assertThat(resp.statusCode()).isEqualTo(502);
    assertThat(new JsonObject(resp.body()).getJsonObject("error").getString("message")).contains("no capacity");
  }
}
