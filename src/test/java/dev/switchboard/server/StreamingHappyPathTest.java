package dev.switchboard.server;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.SseClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** Streams that go right, delivered by the upstream in awkward pieces. */
class StreamingHappyPathTest {
  private static final String CHAT_STREAM =
      "{\"model\":\"gpt-real\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  private FakeProvider upstream;
  private GatewayUnderTest gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() {
    upstream = new FakeProvider();
    gateway = GatewayUnderTest.start("""
        providers:
          up:
            type: openai
            base_url: %s
            api_key: sk-provider-secret
            models: [gpt-real, gpt-instruct]
            timeouts: {connect: 5s, first_byte: 10s, idle: 5s, total: 30s}
        """.formatted(upstream.baseUrl()));
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.close();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + path))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(30))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    return http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
  }

  private void stubDribbled(String path, String sseBody, int chunks, int totalMillis) {
    upstream.stub(path, aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
        .withBody(sseBody).withChunkedDribbleDelay(chunks, totalMillis));
  }

  private static void assertSseHeaders(HttpResponse<String> resp) {
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    assertThat(resp.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("up");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("up:200");
    assertThat(resp.headers().firstValue("x-request-id")).isPresent();
  }

  private LoggedRequest onlyUpstreamRequest(String path) {
    List<LoggedRequest> requests = upstream.server().findAll(postRequestedFor(urlPathEqualTo("/v1" + path)));
    assertThat(requests).hasSize(1);
    return requests.get(0);
  }

  private static List<String> withDone(List<String> payloads) {
    List<String> out = new ArrayList<>(payloads);
    out.add("[DONE]");
    return out;
  }

  /**
   * A provider that ignores stream: true answers whole; the gateway parses that reply to convert it to events.
   * A 21 MiB string is past Jackson's default string limit (20 M chars) but well within max_response_size.
   */
  @Test
  void aWholeReplyWithA21MiBStringReachesAStreamingClientIntact() throws Exception {
    String content = "abcdefghijklmnopqrstuvwxyz0123456789".repeat(21 * 1024 * 1024 / 36 + 1);
    upstream.stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody(FakeProvider.chatCompletion("chatcmpl-big", "gpt-real", content).encode()));

    HttpResponse<String> resp = post("/v1/chat/completions", CHAT_STREAM);

    assertThat(resp.statusCode()).as("status (body length %d)", resp.body().length()).isEqualTo(200);
    assertSseHeaders(resp);
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    StringBuilder text = new StringBuilder();
    for (String e : events.subList(0, events.size() - 1)) {
      JsonObject delta = new JsonObject(e).getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
      if (delta.getString("content") != null) {
        text.append(delta.getString("content"));
      }
    }
    assertThat(text.length()).isEqualTo(content.length());
    assertThat(text.toString().equals(content)).as("the 21 MiB string arrived intact").isTrue();
  }

  @Test
  void dribbledChatStreamArrivesWholeAndInOrder() throws Exception {
    List<String> chunks = FakeProvider.chatChunks("chatcmpl-d", "gpt-real", "The ", "quick ", "brown ", "fox ",
        "jumps ", "over ", "the ", "lazy ", "dog.");
    String body = FakeProvider.sse(chunks);
    stubDribbled("/chat/completions", body, 40, 400);

    HttpResponse<String> resp = post("/v1/chat/completions", CHAT_STREAM);

    assertSseHeaders(resp);
    // the trailing usage chunk was asked for by Switchboard, not by the client: it is removed
    List<String> expected = withDone(chunks.subList(0, chunks.size() - 1));
    assertThat(SseClient.dataEvents(resp.body())).containsExactlyElementsOf(expected);
    StringBuilder wire = new StringBuilder();
    expected.forEach(p -> wire.append("data: ").append(p).append("\n\n"));
    assertThat(resp.body()).isEqualTo(wire.toString());

    LoggedRequest sent = onlyUpstreamRequest("/chat/completions");
    assertThat(sent.getHeader("Accept")).isEqualTo("text/event-stream");
    assertThat(sent.getHeader("Authorization")).isEqualTo("Bearer sk-provider-secret");
    JsonObject upstreamBody = new JsonObject(sent.getBodyAsString());
    assertThat(upstreamBody.getBoolean("stream")).isTrue();
    assertThat(upstreamBody.getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
    assertThat(upstreamBody.getString("model")).isEqualTo("gpt-real");
    assertThat(upstreamBody.getJsonArray("messages")).isEqualTo(new JsonObject(CHAT_STREAM).getJsonArray("messages"));
  }

  @Test
  void byteByByteDeliveryWithCrlfAndMultiByteTextIsIntact() throws Exception {
    List<String> chunks = FakeProvider.chatChunks("chatcmpl-b", "gpt-real", "héllo ", "wörld ", "🌍", "日本語");
    String body = FakeProvider.sse(chunks).replace("\n", "\r\n");
    int bytes = body.getBytes(StandardCharsets.UTF_8).length;
    stubDribbled("/chat/completions", body, bytes, 1500);

    HttpResponse<String> resp = post("/v1/chat/completions", CHAT_STREAM);

    assertSseHeaders(resp);
    assertThat(SseClient.dataEvents(resp.body())).containsExactlyElementsOf(withDone(chunks.subList(0, chunks.size() - 1)));
    StringBuilder text = new StringBuilder();
    SseClient.dataEvents(resp.body()).stream().filter(e -> !e.equals("[DONE]"))
        .map(e -> new JsonObject(e).getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getString("content"))
        .forEach(c -> text.append(c == null ? "" : c));
    assertThat(text.toString()).isEqualTo("héllo wörld 🌍日本語");
  }

  @Test
  void clientThatAskedForUsageGetsTheUsageChunkBeforeDone() throws Exception {
    List<String> chunks = FakeProvider.chatChunks("chatcmpl-u", "gpt-real", "a", "b");
    stubDribbled("/chat/completions", FakeProvider.sse(chunks), 20, 200);

    HttpResponse<String> resp = post("/v1/chat/completions", "{\"model\":\"gpt-real\",\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertSseHeaders(resp);
    assertThat(SseClient.dataEvents(resp.body())).containsExactlyElementsOf(withDone(chunks));
  }

  /** Chunks as OpenAI sends them once include_usage is set: every chunk but the last carries "usage":null. */
  private static List<String> withNullUsage(List<String> chunks) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      String c = chunks.get(i);
      out.add(i == chunks.size() - 1 ? c : c.substring(0, c.length() - 1) + ",\"usage\":null}");
    }
    return out;
  }

  @Test
  void nullUsageFromTheGatewaysOwnIncludeUsageNeverReachesTheClient() throws Exception {
    List<String> plain = FakeProvider.chatChunks("chatcmpl-n", "gpt-real", "a", "b");
    stubDribbled("/chat/completions", FakeProvider.sse(withNullUsage(plain)), 20, 200);

    HttpResponse<String> resp = post("/v1/chat/completions", CHAT_STREAM);

    assertSseHeaders(resp);
    assertThat(SseClient.dataEvents(resp.body()))
        .as("each chunk byte for byte as the provider sends it without include_usage: no usage member, no usage chunk")
        .containsExactlyElementsOf(withDone(plain.subList(0, plain.size() - 1)));
    assertThat(resp.body()).doesNotContain("usage");
  }

  @Test
  void clientThatAskedForUsageKeepsTheNullUsageMembers() throws Exception {
    List<String> upstreamChunks = withNullUsage(FakeProvider.chatChunks("chatcmpl-m", "gpt-real", "a", "b"));
    stubDribbled("/chat/completions", FakeProvider.sse(upstreamChunks), 20, 200);

    HttpResponse<String> resp = post("/v1/chat/completions", "{\"model\":\"gpt-real\",\"stream\":true,"
        + "\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertSseHeaders(resp);
    assertThat(SseClient.dataEvents(resp.body())).as("what OpenAI sends to a client that asked, untouched")
        .containsExactlyElementsOf(withDone(upstreamChunks));
  }

  @Test
  void keepAliveCommentsAndEventNamesDoNotDisturbTheOrder() throws Exception {
    List<String> chunks = FakeProvider.chatChunks("chatcmpl-k", "gpt-real", "one", "two");
    String body = ": OPENROUTER PROCESSING\n\n"
        + "data: " + chunks.get(0) + "\n\n"
        + ": keep-alive\n\n"
        + "event: message\ndata: " + chunks.get(1) + "\n\n"
        + "data: " + chunks.get(2) + "\n\n"
        + ": keep-alive\n\n"
        + "data: " + chunks.get(3) + "\n\n"
        + "data: [DONE]\n\n";
    stubDribbled("/chat/completions", body, 25, 250);

    HttpResponse<String> resp = post("/v1/chat/completions", CHAT_STREAM);

    assertSseHeaders(resp);
    assertThat(resp.body()).doesNotContain("keep-alive").doesNotContain("PROCESSING");
    assertThat(SseClient.dataEvents(resp.body())).containsExactlyElementsOf(withDone(chunks.subList(0, 4)));
  }

  @Test
  void doneWithoutTrailingBlankLineIsACleanEnd() throws Exception {
    List<String> chunks = FakeProvider.chatChunks("chatcmpl-e", "gpt-real", "x");
    String body = FakeProvider.sse(chunks);
    body = body.substring(0, body.length() - 2); // "...data: [DONE]" and then the body ends
    stubDribbled("/chat/completions", body, 10, 100);

    HttpResponse<String> resp = post("/v1/chat/completions", CHAT_STREAM);

    assertSseHeaders(resp);
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events).containsExactlyElementsOf(withDone(chunks.subList(0, chunks.size() - 1)));
    assertThat(resp.body()).doesNotContain("\"error\"");
  }

  @Test
  void multiLineDataEventReachesTheClientAsOneValidEvent() throws Exception {
    // SSE allows one event's data over several "data:" lines, joined with "\n" (here: pretty-printed JSON)
    JsonObject first = FakeProvider.chunk("chatcmpl-m", "gpt-real",
        new JsonObject().put("role", "assistant").put("content", "multi"), null);
    JsonObject second = FakeProvider.chunk("chatcmpl-m", "gpt-real", new JsonObject().put("content", " line"), "stop");
    StringBuilder body = new StringBuilder();
    for (String line : first.encodePrettily().split("\n")) {
      body.append("data: ").append(line).append("\n");
    }
    body.append("\n");
    body.append("data: ").append(second.encode()).append("\n\n");
    body.append("data: [DONE]\n\n");
    stubDribbled("/chat/completions", body.toString(), 15, 150);

    HttpResponse<String> resp = post("/v1/chat/completions", CHAT_STREAM);

    assertSseHeaders(resp);
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events).hasSize(3);
    assertThat(new JsonObject(events.get(0))).isEqualTo(first);
    assertThat(new JsonObject(events.get(1))).isEqualTo(second);
    assertThat(events.get(2)).isEqualTo("[DONE]");
    // every non-blank line a client sees is an SSE field; a bare JSON fragment would be silently dropped by clients
    for (String line : resp.body().split("\n")) {
      assertThat(line.isEmpty() || line.startsWith("data: ")).as("line %s", line).isTrue();
    }
  }

  @Test
  void legacyCompletionsStreamWorksTheSameWay() throws Exception {
    List<String> chunks = new ArrayList<>();
    for (String piece : new String[] {"Once", " upon", " a", " time"}) {
      chunks.add(new JsonObject().put("id", "cmpl-1").put("object", "text_completion").put("created", 1_700_000_000L)
          .put("model", "gpt-instruct").put("choices", new JsonArray().add(new JsonObject().put("text", piece)
              .put("index", 0).put("logprobs", null).put("finish_reason", null))).encode());
    }
    String usage = new JsonObject().put("id", "cmpl-1").put("object", "text_completion")
        .put("created", 1_700_000_000L).put("model", "gpt-instruct").put("choices", new JsonArray())
        .put("usage", new JsonObject().put("prompt_tokens", 2).put("completion_tokens", 4).put("total_tokens", 6))
        .encode();
    List<String> upstreamEvents = new ArrayList<>(chunks);
    upstreamEvents.add(usage);
    stubDribbled("/completions", FakeProvider.sse(upstreamEvents), 30, 300);

    HttpResponse<String> resp = post("/v1/completions",
        "{\"model\":\"gpt-instruct\",\"stream\":true,\"prompt\":\"Tell me a story\"}");

    assertSseHeaders(resp);
    assertThat(SseClient.dataEvents(resp.body())).containsExactlyElementsOf(withDone(chunks));
    LoggedRequest sent = onlyUpstreamRequest("/completions");
    assertThat(sent.getHeader("Accept")).isEqualTo("text/event-stream");
    JsonObject upstreamBody = new JsonObject(sent.getBodyAsString());
    assertThat(upstreamBody.getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
    assertThat(upstreamBody.getString("prompt")).isEqualTo("Tell me a story");
    upstream.server().verify(0, postRequestedFor(urlPathEqualTo("/v1/chat/completions")));
    upstream.server().verify(postRequestedFor(urlPathEqualTo("/v1/completions"))
        .withHeader("Content-Type", equalTo("application/json")));
  }
}
