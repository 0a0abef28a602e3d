package dev.switchboard.logging;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Payload logs through a real gateway and a WireMock upstream: which requests, what is kept, what is removed. */
class PayloadLogTest {
  private static final String PROVIDER_KEY = "prov-secret-key-0123456789";
  private static final String CLIENT_KEY = "client-key-team-a-0123";
  private final FakeProvider upstream = new FakeProvider();
  private GatewayUnderTest gateway;

  @TempDir
  Path dir;

  @BeforeEach
  void answer() {
    upstream.chatJson("hi there");
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    upstream.close();
  }

  private Path file() {
    return dir.resolve("payloads.jsonl");
  }

  private void start(String logging) {
    gateway = GatewayUnderTest.start("""
        auth:
          keys:
            - name: team-a
              key: %s
            - name: team-b
              key: client-key-team-b-0123
        logging:
          payload_file: {path: %s}
        %s
        providers:
        %s""".formatted(CLIENT_KEY, file(), logging.indent(2), upstream.providerYaml("up", PROVIDER_KEY, "m1", "m2")));
  }

  private HttpResponse<String> chat(String key, String model, String text, boolean stream) throws Exception {
    JsonObject body = new JsonObject().put("model", model).put("stream", stream).put("user", "bob@example.com")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
    return gateway.post("/v1/chat/completions", body.encode(), "Authorization", "Bearer " + key);
  }

  private List<JsonObject> lines(int expected) throws Exception {
    await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(file())
        && Files.readAllLines(file(), StandardCharsets.UTF_8).size() >= expected);
    return Files.readAllLines(file(), StandardCharsets.UTF_8).stream().map(JsonObject::new).toList();
  }

  /** Lines after every request's reply went out; the finish listener queued each before the reply ended. */
  private List<JsonObject> settledLines(int expected) throws Exception {
    List<JsonObject> lines = lines(expected);
    // Drain: stop the gateway, which closes the writer after the queue is empty.
    gateway.close();
    gateway = null;
    return Files.readAllLines(file(), StandardCharsets.UTF_8).stream().map(JsonObject::new).toList();
  }

  @Test
  void allModeLogsRequestAndReplyWithPathsAndCredentialsRedacted() throws Exception {
    start("""
        payloads: all
        payload_redact: ["$.user"]""");

    assertThat(chat(CLIENT_KEY, "m1", "my key is sk-live-abcdefgh12345678 and " + CLIENT_KEY, false).statusCode())
        .isEqualTo(200);

    JsonObject line = settledLines(1).get(0);
    assertThat(line.getString("key")).isEqualTo("team-a");
    assertThat(line.getString("model")).isEqualTo("m1");
    assertThat(line.getInteger("status")).isEqualTo(200);
    assertThat(line.getString("request_id")).isNotBlank();
    JsonObject request = line.getJsonObject("request");
    assertThat(request.getString("user")).as("a configured path").isEqualTo("[redacted]");
    assertThat(request.getJsonArray("messages").getJsonObject(0).getString("content"))
        .isEqualTo("my key is [redacted] and [redacted]");
    assertThat(line.getJsonObject("response").getJsonArray("choices").getJsonObject(0).getJsonObject("message")
        .getString("content")).isEqualTo("hi there");
    assertThat(line.encode()).doesNotContain(CLIENT_KEY, "sk-live-abcdefgh12345678", PROVIDER_KEY);
  }

  @Test
  void streamedRepliesAreLoggedAsTheAssembledText() throws Exception {
    upstream.chatStream(FakeProvider.chatChunks("c1", "m1", "Hel", "lo ", "world"));
    start("""
        payloads: all
        payload_redact: ["$.messages[*].content"]""");

    HttpResponse<String> reply = chat(CLIENT_KEY, "m1", "private prompt", true);
    assertThat(reply.body()).contains("[DONE]");

    JsonObject line = settledLines(1).get(0);
    assertThat(line.getBoolean("stream")).isTrue();
    assertThat(line.getJsonObject("request").getJsonArray("messages").getJsonObject(0).getString("content"))
        .isEqualTo("[redacted]");
    assertThat(line.getJsonObject("response").getJsonArray("choices").getJsonObject(0).getJsonObject("message")
        .getString("content")).isEqualTo("Hello world");
  }

  @Test
  void errorsModeLogsOnlyFailedRequests() throws Exception {
    upstream.stub(com.github.tomakehurst.wiremock.client.WireMock.post(
            com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/v1/chat/completions"))
        .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("\"model\":\"m2\""))
        .willReturn(FakeProvider.jsonReply(400, FakeProvider.errorBody("invalid_request_error", "bad_thing",
            "rejected, key " + PROVIDER_KEY).encode())));
    start("payloads: errors");

    assertThat(chat(CLIENT_KEY, "m1", "fine", false).statusCode()).isEqualTo(200);
    assertThat(chat(CLIENT_KEY, "m2", "refused", false).statusCode()).isEqualTo(400);
    assertThat(chat(CLIENT_KEY, "m1", "fine again", false).statusCode()).isEqualTo(200);

    List<JsonObject> lines = settledLines(1);
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0).getString("model")).isEqualTo("m2");
    assertThat(lines.get(0).getInteger("status")).isEqualTo(400);
    assertThat(lines.get(0).encode()).doesNotContain(PROVIDER_KEY);
  }

  @Test
  void sampledModeLogsOneRequestInN() throws Exception {
    start("payloads: sampled:3");

    for (int i = 0; i < 7; i++) {
      assertThat(chat(CLIENT_KEY, "m1", "request " + i, false).statusCode()).isEqualTo(200);
    }

    List<JsonObject> lines = settledLines(3);
    assertThat(lines).extracting(l -> l.getJsonObject("request").getJsonArray("messages").getJsonObject(0)
        .getString("content")).containsExactly("request 0", "request 3", "request 6");
  }

  @Test
  void perKeyAndPerModelModesOverrideTheDefault() throws Exception {
    start("""
        payloads: off
        payloads_by_key: {team-b: all}
        payloads_by_model: {m2: all}""");

    chat(CLIENT_KEY, "m1", "a m1", false);
    chat(CLIENT_KEY, "m2", "a m2", false);
    chat("client-key-team-b-0123", "m1", "b m1", false);

    assertThat(settledLines(2)).extracting(l -> l.getString("key") + " " + l.getString("model"))
        .containsExactly("team-a m2", "team-b m1");
  }

  @Test
  void eachBodyIsBoundedWithATruncationMarker() throws Exception {
    start("""
        payloads: all
        payload_max_bytes: 512""");

    chat(CLIENT_KEY, "m1", "x".repeat(5000), false);

    JsonObject line = settledLines(1).get(0);
    String request = line.getString("request");
    assertThat(request).endsWith(PayloadRedactor.TRUNCATED).startsWith("{");
    assertThat(request.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(512 + 16);
    assertThat(line.getValue("response")).as("a small reply is kept whole").isInstanceOf(JsonObject.class);
  }
}
