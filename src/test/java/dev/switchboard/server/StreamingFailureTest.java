package dev.switchboard.server;

import com.github.tomakehurst.wiremock.http.Fault;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.SseClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How the gateway behaves when a provider's stream goes wrong: before the commit point the client gets an ordinary
 * OpenAI error; after it, the stream ends with an in-band error event and [DONE]. Uses a real Vert.x HTTP server as
 * the upstream so the test controls every byte, pause and connection close.
 */
class StreamingFailureTest {
  private static final String STREAM_BODY =
      "{\"model\":\"gpt-real\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String JSON_BODY =
      "{\"model\":\"gpt-real\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String C1 = FakeProvider.chunk("chatcmpl-f", "gpt-real",
      new JsonObject().put("role", "assistant").put("content", "Hel"), null).encode();
  private static final String C2 = FakeProvider.chunk("chatcmpl-f", "gpt-real",
      new JsonObject().put("content", "lo"), null).encode();

  private Vertx vertx;
  private HttpServer upstream;
  private volatile BiConsumer<HttpServerRequest, Buffer> behaviour;
  private FakeProvider wiremock;
  private GatewayUnderTest gateway;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void startUpstream() throws Exception {
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer()
        .requestHandler(req -> req.body().onSuccess(body -> behaviour.accept(req, body)))
        .listen(0, "127.0.0.1")
        .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopAll() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (wiremock != null) {
      wiremock.close();
    }
    upstream.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  // ---- helpers -------------------------------------------------------------------------------------------------

  private void startGateway(String baseUrl, String timeouts) {
    gateway = GatewayUnderTest.start("""
        providers:
          up:
            type: openai
            base_url: %s
            api_key: sk-test
            models: [gpt-real]
            timeouts: %s
        """.formatted(baseUrl, timeouts));
  }

  private void startGateway(String baseUrl) {
    startGateway(baseUrl, "{connect: 1s, first_byte: 2s, idle: 1s, total: 10s}");
  }

  private void startGateway() {
    startGateway("http://127.0.0.1:" + upstream.actualPort() + "/v1");
  }

  private HttpResponse<String> post(String body, Duration timeout) throws Exception {
    HttpRequest req = HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
        .header("Content-Type", "application/json")
        .timeout(timeout)
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> postStream() throws Exception {
    return post(STREAM_BODY, Duration.ofSeconds(8));
  }

  private static HttpServerResponse sseHead(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    resp.setChunked(true);
    resp.putHeader("Content-Type", "text/event-stream");
    return resp;
  }

  private static Buffer event(String data) {
    return Buffer.buffer("data: " + data + "\n\n");
  }

  private static void assertSse(HttpResponse<String> resp) {
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
  }

  /** The in-band error must be a proper OpenAI error object, directly followed by [DONE] as the last event. */
  private static JsonObject assertEndsWithInBandError(List<String> events, List<String> content) {
    assertThat(events).hasSize(content.size() + 2);
    assertThat(events.subList(0, content.size())).containsExactlyElementsOf(content);
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    JsonObject error = new JsonObject(events.get(events.size() - 2)).getJsonObject("error");
    assertThat(error).isNotNull();
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.fieldNames()).contains("type", "code", "message", "param");
    return error;
  }

  private static JsonObject assertJsonError(HttpResponse<String> resp, int status, String type) {
    assertThat(resp.statusCode()).isEqualTo(status);
    assertThat(resp.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    assertThat(resp.body()).doesNotContain("data:");
    JsonObject error = new JsonObject(resp.body()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo(type);
    assertThat(error.getString("message")).isNotBlank();
    assertThat(resp.headers().firstValue("x-request-id")).isPresent();
    return error;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Socket rawStreamRequest(int receiveBuffer) throws IOException {
    Socket socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", gateway.port()), 5000);
    socket.setSoTimeout(5000);
    byte[] body = STREAM_BODY.getBytes(StandardCharsets.UTF_8);
    String head = "POST /v1/chat/completions HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + gateway.port() + "\r\n"
        + "Content-Type: application/json\r\n"
        + "Content-Length: " + body.length + "\r\n"
        + "\r\n";
    OutputStream out = socket.getOutputStream();
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return socket;
  }

  /** Reads byte by byte (so nothing more is consumed) until a line starting with "data:" has been read. */
  private static String readUntilFirstDataLine(InputStream in) throws IOException {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed before the first data line; got: " + seen);
      }
      seen.write(b);
      if (b == '\n') {
        String l = line.toString(StandardCharsets.UTF_8);
        if (l.startsWith("data:")) {
          return seen.toString(StandardCharsets.UTF_8);
        }
        line.reset();
      } else {
        line.write(b);
      }
    }
  }

  // ---- a. stream cut midway ------------------------------------------------------------------------------------

  @Test
  void connectionClosedMidStreamEndsWithInBandErrorAndDone() throws Exception {
    AtomicLong requests = new AtomicLong();
    behaviour = (req, body) -> {
      HttpServerResponse resp = sseHead(req);
      resp.write(event(C1));
      if (requests.incrementAndGet() == 1) {
        resp.write(event(C2)).onComplete(v -> req.connection().close());
      } else {
        resp.end("data: [DONE]\n\n");
      }
    };
    startGateway();

    HttpResponse<String> resp = postStream();

    assertSse(resp);
    JsonObject error = assertEndsWithInBandError(SseClient.dataEvents(resp.body()), List.of(C1, C2));
    assertThat(error.getString("type")).isEqualTo("upstream_error");
    assertThat(error.getString("code")).isEqualTo("stream_interrupted");
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("up");

    // the broken connection must not be handed out again by the gateway's pool
    HttpResponse<String> next = postStream();
    assertSse(next);
    assertThat(SseClient.dataEvents(next.body())).containsExactly(C1, "[DONE]");
  }

  @Test
  void responseResetMidStreamEndsWithInBandErrorAndDone() throws Exception {
    behaviour = (req, body) -> {
      HttpServerResponse resp = sseHead(req);
      resp.write(event(C1));
      resp.write(event(C2)).onComplete(v -> resp.reset());
    };
    startGateway();

    HttpResponse<String> resp = postStream();

    assertSse(resp);
    JsonObject error = assertEndsWithInBandError(SseClient.dataEvents(resp.body()), List.of(C1, C2));
    assertThat(error.getString("type")).isEqualTo("upstream_error");
    assertThat(error.getString("code")).isEqualTo("stream_interrupted");
  }

  @Test
  void connectionClosedBeforeAnyContentIsAnOrdinary502() throws Exception {
    behaviour = (req, body) -> {
      HttpServerResponse resp = sseHead(req);
      resp.write(": processing\n\n").onComplete(v -> req.connection().close());
    };
    startGateway();

    HttpResponse<String> resp = postStream();

    JsonObject error = assertJsonError(resp, 502, "upstream_error");
    assertThat(error.getString("code")).isEqualTo("stream_interrupted");
  }

  // ---- b. stream ends without [DONE] ---------------------------------------------------------------------------

  @Test
  void streamEndingWithoutDoneEndsWithInBandErrorAndDone() throws Exception {
    behaviour = (req, body) -> {
      HttpServerResponse resp = sseHead(req);
      resp.write(event(C1));
      resp.write(event(C2));
      resp.end();
    };
    startGateway();

    HttpResponse<String> resp = postStream();

    assertSse(resp);
    JsonObject error = assertEndsWithInBandError(SseClient.dataEvents(resp.body()), List.of(C1, C2));
    assertThat(error.getString("type")).isEqualTo("upstream_error");
    assertThat(error.getString("code")).isEqualTo("stream_interrupted");
  }

  @Test
  void trailingEventWithoutBlankLineIsStillRelayedBeforeTheInBandError() throws Exception {
    behaviour = (req, body) -> {
      HttpServerResponse resp = sseHead(req);
      resp.write(event(C1));
      resp.end("data: " + C2);
    };
    startGateway();

    HttpResponse<String> resp = postStream();

    assertSse(resp);
    JsonObject error = assertEndsWithInBandError(SseClient.dataEvents(resp.body()), List.of(C1, C2));
    assertThat(error.getString("code")).isEqualTo("stream_interrupted");
  }

  // ---- c. in-band error from the upstream ----------------------------------------------------------------------

  @Test
  void inBandErrorBeforeContentBecomesAnOrdinaryErrorReply() throws Exception {
    AtomicBoolean upstreamClosed = new AtomicBoolean();
    behaviour = (req, body) -> {
      HttpServerResponse resp = sseHead(req);
      resp.closeHandler(v -> upstreamClosed.set(true));
      // the upstream then stays silent without ending: the gateway must act on the error event itself, not wait
      // for the idle timeout (which would give 504)
      resp.write(event("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));
    };
    startGateway();

    HttpResponse<String> resp = postStream();

    JsonObject error = assertJsonError(resp, 502, "upstream_error");
    assertThat(error.getString("message")).contains("overloaded");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValueSatisfying(v -> assertThat(v).startsWith("up:"));
    await().atMost(Duration.ofSeconds(30)).untilTrue(upstreamClosed);
  }

  @Test
  void inBandErrorAfterContentIsRelayedInBandThenDone() throws Exception {
    behaviour = (req, body) -> {
      HttpServerResponse resp = sseHead(req);
      resp.write(event(C1));
      resp.write(event("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));
      resp.end();
    };
    startGateway();

    HttpResponse<String> resp = postStream();

    assertSse(resp);
    JsonObject error = assertEndsWithInBandError(SseClient.dataEvents(resp.body()), List.of(C1));
    assertThat(error.getString("type")).isEqualTo("upstream_error");
    assertThat(error.getString("message")).contains("overloaded");
  }

  // ---- d. non-2xx before the stream starts ---------------------------------------------------------------------

  @Test
  void upstream500BeforeStreamIs502Json() throws Exception {
    behaviour = (req, body) -> req.response().setStatusCode(500).putHeader("Content-Type", "application/json")
        .end(FakeProvider.errorBody("server_error", null, "boom inside").encode());
    startGateway();

    HttpResponse<String> resp = postStream();

    JsonObject error = assertJsonError(resp, 502, "upstream_error");
    assertThat(error.getString("message")).contains("boom inside");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("up:500,up:500");
    assertThat(resp.headers().firstValue("x-switchboard-provider")).as("a failed request names no provider").isEmpty();
  }

  @Test
  void upstream503BeforeStreamIs503Json() throws Exception {
    behaviour = (req, body) -> req.response().setStatusCode(503).putHeader("Content-Type", "application/json")
        .putHeader("Retry-After", "7")
        .end(FakeProvider.errorBody("server_error", null, "try later").encode());
    startGateway();

    HttpResponse<String> resp = postStream();

    JsonObject error = assertJsonError(resp, 503, "upstream_error");
    assertThat(error.getString("message")).contains("try later");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValue("up:503");
    assertThat(resp.headers().firstValue("retry-after")).hasValue("7");
  }

  // ---- e. idle timeout -----------------------------------------------------------------------------------------

  @Test
  void idleTimeoutAfterContentEndsWithInBandTimeoutErrorAndDone() throws Exception {
    AtomicBoolean upstreamClosed = new AtomicBoolean();
    AtomicLong requests = new AtomicLong();
    behaviour = (req, body) -> {
      HttpServerResponse resp = sseHead(req);
      resp.write(event(C1));
      if (requests.incrementAndGet() == 1) {
        resp.closeHandler(v -> upstreamClosed.set(true)); // then silence, connection left open
      } else {
        resp.end("data: [DONE]\n\n");
      }
    };
    startGateway();

    // total is 10s: only the 1s idle timeout can end this within the client's 6s bound
    HttpResponse<String> resp = post(STREAM_BODY, Duration.ofSeconds(6));

    assertSse(resp);
    JsonObject error = assertEndsWithInBandError(SseClient.dataEvents(resp.body()), List.of(C1));
    assertThat(error.getString("type")).isEqualTo("timeout_error");
    assertThat(error.getString("code")).isEqualTo("upstream_timeout");
    await().atMost(Duration.ofSeconds(30)).untilTrue(upstreamClosed);

    HttpResponse<String> next = postStream();
    assertSse(next);
    assertThat(SseClient.dataEvents(next.body())).containsExactly(C1, "[DONE]");
  }

  @Test
  void idleTimeoutBeforeAnyContentIsAnOrdinary504() throws Exception {
    behaviour = (req, body) -> sseHead(req).writeHead(); // head only, then silence
    startGateway();

    HttpResponse<String> resp = post(STREAM_BODY, Duration.ofSeconds(6));

    JsonObject error = assertJsonError(resp, 504, "timeout_error");
    assertThat(error.getString("code")).isEqualTo("upstream_timeout");
  }

  // ---- f. first-byte timeout -----------------------------------------------------------------------------------

  @Test
  void firstByteTimeoutOnJsonRequestIs504() throws Exception {
    AtomicBoolean upstreamClosed = new AtomicBoolean();
    behaviour = (req, body) -> req.response().closeHandler(v -> upstreamClosed.set(true)); // never answers
    startGateway();

    HttpResponse<String> resp = post(JSON_BODY, Duration.ofSeconds(6));

    JsonObject error = assertJsonError(resp, 504, "timeout_error");
    assertThat(error.getString("code")).isEqualTo("upstream_timeout");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValueSatisfying(v -> assertThat(v).startsWith("up:"));
    await().atMost(Duration.ofSeconds(30)).untilTrue(upstreamClosed);
  }

  @Test
  void firstByteTimeoutOnStreamRequestIs504JsonNotSse() throws Exception {
    behaviour = (req, body) -> { };
    startGateway();

    HttpResponse<String> resp = post(STREAM_BODY, Duration.ofSeconds(6));

    assertJsonError(resp, 504, "timeout_error");
  }

  @Test
  void oversizedStreamEventBeforeContentIsRefusedWith502() throws Exception {
    AtomicBoolean upstreamClosed = new AtomicBoolean();
    behaviour = (req, body) -> {
      HttpServerResponse resp = sseHead(req);
      resp.closeHandler(v -> upstreamClosed.set(true));
      // one event far above the gateway's 8 MB per-event cap, never terminated
      resp.write("data: {\"choices\":[{\"delta\":{\"content\":\"");
      resp.write(Buffer.buffer(new byte[10 * 1024 * 1024]).setBytes(0, "x".repeat(10 * 1024 * 1024).getBytes()));
    };
    startGateway();

    HttpResponse<String> resp = postStream();

    JsonObject error = assertJsonError(resp, 502, "upstream_error");
    assertThat(error.getString("code")).isEqualTo("invalid_upstream_response");
    await().atMost(Duration.ofSeconds(30)).untilTrue(upstreamClosed);
  }

  // ---- g. unreachable upstream ---------------------------------------------------------------------------------

  @Test
  void connectionRefusedIs502Unreachable() throws Exception {
    startGateway("http://127.0.0.1:" + closedPort() + "/v1");

    HttpResponse<String> resp = post(JSON_BODY, Duration.ofSeconds(6));

    JsonObject error = assertJsonError(resp, 502, "upstream_error");
    assertThat(error.getString("code")).isEqualTo("upstream_unreachable");
    assertThat(resp.headers().firstValue("x-switchboard-attempts")).hasValueSatisfying(v -> assertThat(v).startsWith("up:"));

    HttpResponse<String> stream = post(STREAM_BODY, Duration.ofSeconds(6));
    assertThat(assertJsonError(stream, 502, "upstream_error").getString("code")).isEqualTo("upstream_unreachable");
  }

  @Test
  void connectionResetByPeerIs502() throws Exception {
    wiremock = new FakeProvider();
    wiremock.fault("/chat/completions", Fault.CONNECTION_RESET_BY_PEER);
    startGateway(wiremock.baseUrl());

    HttpResponse<String> resp = post(JSON_BODY, Duration.ofSeconds(6));
    JsonObject error = assertJsonError(resp, 502, "upstream_error");
    assertThat(error.getString("code")).isEqualTo("upstream_unreachable");

    HttpResponse<String> stream = post(STREAM_BODY, Duration.ofSeconds(6));
    assertJsonError(stream, 502, "upstream_error");
  }

  // ---- h. client disconnect ------------------------------------------------------------------------------------

  @Test
  void clientDisconnectCancelsTheUpstreamRequest() throws Exception {
    CompletableFuture<Void> upstreamClosed = new CompletableFuture<>();
    CompletableFuture<Void> upstreamStarted = new CompletableFuture<>();
    behaviour = (req, body) -> {
      HttpServerResponse resp = sseHead(req);
      AtomicLong n = new AtomicLong();
      long timer = vertx.setPeriodic(100, id -> {
        if (!resp.ended() && !upstreamClosed.isDone()) {
          resp.write(event(FakeProvider.chunk("chatcmpl-slow", "gpt-real",
              new JsonObject().put("content", "tick" + n.incrementAndGet()), null).encode()));
        }
      });
      resp.closeHandler(v -> {
        vertx.cancelTimer(timer);
        upstreamClosed.complete(null);
      });
      upstreamStarted.complete(null);
    };
    startGateway();

    try (Socket socket = rawStreamRequest(0)) {
      String head = readUntilFirstDataLine(socket.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 200").contains("tick1");
    }
    assertThat(upstreamStarted).isDone();
    // the stream would otherwise go on until the 10s total timeout
    await().atMost(Duration.ofSeconds(30)).until(upstreamClosed::isDone);
  }

  @Test
  void clientDisconnectBeforeTheFirstByteCancelsTheUpstreamRequest() throws Exception {
    CompletableFuture<Void> upstreamStarted = new CompletableFuture<>();
    CompletableFuture<Void> upstreamClosed = new CompletableFuture<>();
    behaviour = (req, body) -> {
      req.response().closeHandler(v -> upstreamClosed.complete(null));
      upstreamStarted.complete(null); // and never answers
    };
    // long first-byte timeout: only the client's disconnect can end the upstream request within the bound below
    startGateway("http://127.0.0.1:" + upstream.actualPort() + "/v1",
        "{connect: 1s, first_byte: 30s, idle: 30s, total: 60s}");

    try (Socket socket = rawStreamRequest(0)) {
      upstreamStarted.get(5, TimeUnit.SECONDS);
    }
    await().atMost(Duration.ofSeconds(30)).until(upstreamClosed::isDone);
  }

  // ---- i. back-pressure ----------------------------------------------------------------------------------------

  @Test
  void slowClientPausesTheUpstreamInsteadOfBuffering() throws Exception {
    long total = 200L * 1024 * 1024;
    AtomicLong written = new AtomicLong();
    AtomicBoolean upstreamClosed = new AtomicBoolean();
    AtomicBoolean upstreamFinished = new AtomicBoolean();
    Buffer chunk = event(FakeProvider.chunk("chatcmpl-big", "gpt-real",
        new JsonObject().put("content", "x".repeat(8 * 1024)), null).encode());
    behaviour = (req, body) -> {
      HttpServerResponse resp = sseHead(req);
      resp.closeHandler(v -> upstreamClosed.set(true));
      new Object() {
        void pump() {
          while (!resp.writeQueueFull() && written.get() < total && !upstreamClosed.get()) {
            resp.write(chunk);
            written.addAndGet(chunk.length());
          }
          if (upstreamClosed.get()) {
            return;
          }
          if (written.get() >= total) {
            upstreamFinished.set(true);
            resp.end("data: [DONE]\n\n");
          } else {
            resp.drainHandler(v -> pump());
          }
        }
      }.pump();
    };
    startGateway();

    try (Socket socket = rawStreamRequest(64 * 1024)) {
      String head = readUntilFirstDataLine(socket.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 200");
      // from here on the client reads nothing more, but keeps its connection open

      long[] last = {-1};
      long[] lastChange = {System.nanoTime()};
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
        long now = written.get();
        if (now != last[0]) {
          last[0] = now;
          lastChange[0] = System.nanoTime();
        }
        return System.nanoTime() - lastChange[0] > TimeUnit.MILLISECONDS.toNanos(1000);
      });

      assertThat(upstreamClosed).as("the upstream must be paused, not aborted").isFalse();
      assertThat(upstreamFinished).isFalse();
      assertThat(written.get()).as("bytes the upstream got to write while the client was not reading")
          .isGreaterThan(chunk.length())
          .isLessThan(20L * 1024 * 1024);
    }
    await().atMost(Duration.ofSeconds(30)).untilTrue(upstreamClosed);
  }
}
