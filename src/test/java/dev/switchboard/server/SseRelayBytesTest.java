package dev.switchboard.server;

import dev.switchboard.testing.GatewayUnderTest;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bytes a chat-completions client receives from a relayed OpenAI stream, whatever the upstream's reads: the
 * upstream writes its stream in pieces of 1, 2, 3, 7, 64, 333 bytes or at once (each piece its own HTTP chunk, so
 * its own read), and the client must get the same bytes every time: each event re-framed as {@code data: …\n\n},
 * multi-line data on several {@code data:} lines, [DONE] last. And the upstream must receive the client's body with
 * only {@code stream_options.include_usage} added when Switchboard asks for usage on the client's behalf.
 */
class SseRelayBytesTest {
  private static final String ROLE = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
      + "\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"finish_reason\":null}],\"usage\":null}";
  private static final String CONTENT = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
      + "\"delta\":{\"content\":\"h\u00e9llo \\\"w\\\" \u65e5\u672c\"},\"finish_reason\":null}],\"usage\":null}";
  private static final String FINISH = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
      + "\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}";
  private static final String USAGE = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
      + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13}}";
  /** The upstream's stream: odd framing on purpose (no space after the colon, CRLF, a comment, multi-line data). */
  private static final String UPSTREAM = "data: " + ROLE + "\n\n"
      + ": keep-alive\n\n"
      + "data:" + CONTENT + "\r\n\r\n"
      + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\n"
      + "data: \"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"finish_reason\":null}],\"usage\":null}\n\n"
      + "data: " + FINISH + "\n\n"
      + "data: " + USAGE + "\n\n"
      + "data: [DONE]\n\n";
  private static final int[] SPLITS = {1, 2, 3, 7, 64, 333, 1 << 20};

  private Vertx vertx;
  private HttpServer upstream;
  private volatile int split;
  private final AtomicReference<Buffer> received = new AtomicReference<>();
  private GatewayUnderTest gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer()
        .requestHandler(req -> req.body().onSuccess(body -> {
          received.set(body);
          HttpServerResponse resp = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
          byte[] bytes = UPSTREAM.getBytes(StandardCharsets.UTF_8);
          for (int at = 0; at < bytes.length; at += split) {
            resp.write(Buffer.buffer().appendBytes(bytes, at, Math.min(split, bytes.length - at)));
          }
          resp.end();
        }))
        .listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    gateway = GatewayUnderTest.start("""
        providers:
          up:
            type: openai
            base_url: http://127.0.0.1:%d/v1
            api_key: sk-test
            models: [gpt-real]
        """.formatted(upstream.actualPort()));
  }

  @AfterEach
  void stop() throws Exception {
    gateway.close();
    upstream.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void clientAskingForUsageGetsEveryEventReframedByteForByteWhateverTheReads() throws Exception {
    String expected = "data: " + ROLE + "\n\n"
        + "data: " + CONTENT + "\n\n"
        + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\n"
        + "data: \"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"finish_reason\":null}],\"usage\":null}\n\n"
        + "data: " + FINISH + "\n\n"
        + "data: " + USAGE + "\n\n"
        + "data: [DONE]\n\n";
    String body = "{\"model\":\"gpt-real\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    for (int s : SPLITS) {
      split = s;
      HttpResponse<byte[]> resp = post(body);
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(new String(resp.body(), StandardCharsets.UTF_8)).as("upstream reads of %d bytes", s)
          .isEqualTo(expected);
      assertThat(received.get().toString(StandardCharsets.UTF_8)).as("the client's body goes up untouched")
          .isEqualTo(body);
    }
  }

  @Test
  void clientNotAskingForUsageGetsTheEventsWithoutWhatSwitchboardAskedFor() throws Exception {
    String expected = "data: " + ROLE.replace(",\"usage\":null", "") + "\n\n"
        + "data: " + CONTENT.replace(",\"usage\":null", "") + "\n\n"
        + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\n"
        + "data: \"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"finish_reason\":null}]}\n\n"
        + "data: " + FINISH.replace(",\"usage\":null", "") + "\n\n"
        + "data: [DONE]\n\n";
    String body = "{\n  \"model\": \"gpt-real\",\n  \"stream\": true,\n"
        + "  \"messages\": [{\"role\": \"user\", \"content\": \"h\u00e9 \\\"}\\\" {\"}]\n}\n";
    for (int s : SPLITS) {
      split = s;
      HttpResponse<byte[]> resp = post(body);
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(new String(resp.body(), StandardCharsets.UTF_8)).as("upstream reads of %d bytes", s)
          .isEqualTo(expected);
    }
    String up = received.get().toString(StandardCharsets.UTF_8);
    int close = body.lastIndexOf('}');
    assertThat(up).as("the client's bytes with only the member added")
        .isEqualTo(body.substring(0, close) + ",\"stream_options\":{\"include_usage\":true}" + body.substring(close));
    assertThat(new JsonObject(up)).as("the same JSON as the re-serialised body of before")
        .isEqualTo(new JsonObject(body).put("stream_options", new JsonObject().put("include_usage", true)));
  }

  @Test
  void clientWithOtherStreamOptionsKeepsThemAndGetsIncludeUsageMerged() throws Exception {
    split = 64;
    String body = "{\"model\":\"gpt-real\",\"stream\":true,\"stream_options\":{\"chunk_size\":3},"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    assertThat(post(body).statusCode()).isEqualTo(200);
    assertThat(new JsonObject(received.get())).isEqualTo(new JsonObject(body)
        .put("stream_options", new JsonObject().put("chunk_size", 3).put("include_usage", true)));
  }

  private HttpResponse<byte[]> post(String body) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    return http.send(req, HttpResponse.BodyHandlers.ofByteArray());
  }
}
