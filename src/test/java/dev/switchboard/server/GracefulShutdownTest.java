package dev.switchboard.server;

import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Stopping the gateway drains: the listener closes at once, in-flight streams run on for up to
 * {@code server.shutdown_grace}, and whatever is still running when the grace expires is cut.
 */
class GracefulShutdownTest {
  private static final int CHUNKS = 10;
  private static final long CHUNK_EVERY_MS = 200;
  private static final int FOREVER = -1;
  private static final int NEVER_ANSWER = -2;

  private final Vertx upstreamVertx = Vertx.vertx();
  private final ExecutorService httpExecutor = Executors.newCachedThreadPool();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .executor(httpExecutor).build();
  /** Completes when the upstream sees the gateway's request connection go away before it finished. */
  private final CompletableFuture<Void> upstreamCut = new CompletableFuture<>();
  private final CompletableFuture<Void> upstreamReceived = new CompletableFuture<>();
  /** A finite upstream stream holds its end ([DONE]) until this completes. */
  private final CompletableFuture<Void> mayFinish = new CompletableFuture<>();
  private GatewayUnderTest gateway;

  @AfterEach
  void close() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    upstreamVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    httpExecutor.shutdownNow();
  }

  @Test
  void inFlightStreamCompletesWhileNewConnectionsAreRefused() throws Exception {
    int upstreamPort = startUpstream(CHUNKS);
    // A grace far longer than the test: stop completing at all shows it did not sit the grace out.
    gateway = GatewayUnderTest.start(config("1h", upstreamPort));
    int port = gateway.port();
    StreamingCall call = StreamingCall.start(http, gateway.baseUrl());

    call.firstEvent.get(10, TimeUnit.SECONDS);
    CompletableFuture<Void> stopped = gateway.stopAsync().toCompletionStage().toCompletableFuture();

    // (b) the listener is gone while the stream is still being served: the upstream holds its end until the test has
    // seen that, however long a loaded machine takes to close the listener (the stream used to end after 2 s anyway)
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> newConnectionIsTurnedAway(port));
    assertThat(call.done).as("the in-flight stream must still be running when new connections are refused")
        .isNotDone();
    mayFinish.complete(null);

    // (a) the in-flight stream completes, every chunk in order, then [DONE]
    HttpResponse<Void> resp = call.done.get(15, TimeUnit.SECONDS);
    assertThat(resp.statusCode()).isEqualTo(200);
    List<String> events = call.dataEvents();
    assertThat(events).hasSize(CHUNKS + 1);
    for (int i = 0; i < CHUNKS; i++) {
      assertThat(new JsonObject(events.get(i)).getJsonArray("choices").getJsonObject(0).getJsonObject("delta")
          .getString("content")).isEqualTo("c" + i);
    }
    assertThat(events.get(CHUNKS)).isEqualTo("[DONE]");
    assertThat(upstreamCut).as("the upstream stream finished normally").isNotDone();

    // (c) stop completes, without sitting out the rest of the hour's grace once nothing is in flight
    stopped.get(10, TimeUnit.SECONDS);
    assertThat(gateway.switchboard().services().prometheus().find(GatewayMetrics.REQUESTS)
        .tag("outcome", "ok").counter()).isNotNull().satisfies(c -> assertThat(c.count()).isEqualTo(1.0));
  }

  @Test
  void streamOutlivingTheGraceIsEndedVisiblyWhenTheGraceExpiresAndStopCompletes() throws Exception {
    int upstreamPort = startUpstream(FOREVER);
    // 3 s of grace, so "chunks kept flowing" does not hang on a loaded machine delivering two of 1 s's five.
    gateway = GatewayUnderTest.start(config("3s", upstreamPort));
    StreamingCall call = StreamingCall.start(http, gateway.baseUrl());

    call.firstEvent.get(10, TimeUnit.SECONDS);
    int eventsAtStop = call.dataEvents().size();
    CompletableFuture<Void> stopped = gateway.stopAsync().toCompletionStage().toCompletableFuture();

    // The upstream would stream forever: the gateway ends the stream once the grace is over, and stop completes.
    HttpResponse<Void> resp = call.done.get(10, TimeUnit.SECONDS);
    stopped.get(10, TimeUnit.SECONDS);
    assertThat(resp.statusCode()).isEqualTo(200);
    List<String> events = call.dataEvents();
    // The grace was honoured: chunks kept flowing after stop began (about 15 in 3 s; the last two events are the
    // error and [DONE]).
    assertThat(events.size() - 2 - eventsAtStop).isGreaterThanOrEqualTo(2);
    // Past the commit point a stream never ends silently, shutdown included: in-band error, then [DONE].
    assertThat(events.get(events.size() - 1)).isEqualTo("[DONE]");
    JsonObject error = new JsonObject(events.get(events.size() - 2)).getJsonObject("error");
    assertThat(error).as("in-band error event before [DONE]").isNotNull();
    assertThat(error.getString("type")).isEqualTo("server_error");
    assertThat(error.getString("code")).isEqualTo("server_shutting_down");
    // The gateway let go of the upstream request instead of leaking it, and did not blame the provider for it.
    upstreamCut.get(10, TimeUnit.SECONDS);
    var stats = gateway.switchboard().services().providers().get("up").stats();
    assertThat(stats.failures()).isZero();
    assertThat(stats.inFlight()).isZero();
    assertThat(gateway.switchboard().services().prometheus().find(GatewayMetrics.REQUESTS)
        .tag("outcome", "stream_error").counter()).isNotNull()
        .satisfies(c -> assertThat(c.count()).isEqualTo(1.0));
  }

  @Test
  void requestStillWaitingForItsUpstreamWhenTheGraceExpiresGetsA503() throws Exception {
    int upstreamPort = startUpstream(NEVER_ANSWER);
    gateway = GatewayUnderTest.start(config("1s", upstreamPort));
    CompletableFuture<HttpResponse<String>> call = http.sendAsync(chatRequest(gateway.baseUrl(), false),
        HttpResponse.BodyHandlers.ofString());
    upstreamReceived.get(10, TimeUnit.SECONDS);

    CompletableFuture<Void> stopped = gateway.stopAsync().toCompletionStage().toCompletableFuture();

    HttpResponse<String> resp = call.get(10, TimeUnit.SECONDS);
    stopped.get(10, TimeUnit.SECONDS);
    assertThat(resp.statusCode()).isEqualTo(503);
    JsonObject error = new JsonObject(resp.body()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("server_error");
    assertThat(error.getString("code")).isEqualTo("server_shutting_down");
    assertThat(resp.headers().firstValue("retry-after")).isPresent();
    upstreamCut.get(10, TimeUnit.SECONDS);
    assertThat(gateway.switchboard().services().providers().get("up").stats().failures()).isZero();
  }

  private static HttpRequest chatRequest(String baseUrl, boolean stream) {
    return HttpRequest.newBuilder(URI.create(baseUrl + "/v1/chat/completions"))
        .header("Authorization", "Bearer sb-shutdown-key")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"gpt-slow\",\"stream\":" + stream
            + ",\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}"))
        .build();
  }

  private static String config(String grace, int upstreamPort) {
    return TestConfig.empty().server("shutdown_grace: " + grace).clientKey("t", "sb-shutdown-key")
        .provider("up", "type: openai", "base_url: http://127.0.0.1:" + upstreamPort + "/v1", "api_key: sk-up",
            "models: [gpt-slow]").yaml();
  }

  /**
   * A real upstream that streams one chunk every 200 ms, then ends once {@link #mayFinish} completes; {@link #FOREVER}
   * streams without end, {@link #NEVER_ANSWER} never even sends the response head.
   */
  private int startUpstream(int chunks) throws Exception {
    HttpServer server = upstreamVertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      upstreamReceived.complete(null);
      if (chunks == NEVER_ANSWER) {
        req.connection().closeHandler(v -> upstreamCut.complete(null));
        return;
      }
      HttpServerResponse resp = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
      AtomicInteger sent = new AtomicInteger();
      long timer = upstreamVertx.setPeriodic(CHUNK_EVERY_MS, id -> {
        int i = sent.getAndIncrement();
        if (chunks != FOREVER && i >= chunks) {
          if (!mayFinish.isDone()) {
            sent.decrementAndGet();
            return;
          }
          upstreamVertx.cancelTimer(id);
          resp.end("data: [DONE]\n\n");
          return;
        }
        JsonObject chunk = FakeProvider.chunk("chatcmpl-slow", "gpt-slow", new JsonObject().put("content", "c" + i),
            null);
        resp.write(Buffer.buffer("data: " + chunk.encode() + "\n\n"));
      });
      resp.closeHandler(v -> {
        upstreamVertx.cancelTimer(timer);
        if (!resp.ended()) {
          upstreamCut.complete(null);
        }
      });
    }));
    return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
        .actualPort();
  }

  /**
   * True when a fresh connection is refused, or accepted and then closed without an HTTP response. A hang or a
   * served response is not good enough.
   */
  private static boolean newConnectionIsTurnedAway(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      s.setSoTimeout(2_000);
      OutputStream out = s.getOutputStream();
      out.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return in.read() < 0;
    } catch (SocketException e) {
      // refused (ConnectException) or reset
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A streaming chat request in the background, its SSE lines collected as they arrive. */
  private static final class StreamingCall {
    final CompletableFuture<Void> firstEvent = new CompletableFuture<>();
    final CompletableFuture<HttpResponse<Void>> done;
    private final List<String> lines = new ArrayList<>();

    private StreamingCall(HttpClient http, String baseUrl) {
      Flow.Subscriber<String> subscriber = new Flow.Subscriber<>() {
        @Override
        public void onSubscribe(Flow.Subscription subscription) {
          subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
          synchronized (lines) {
            lines.add(line);
          }
          if (line.startsWith("data:")) {
            firstEvent.complete(null);
          }
        }

        @Override
        public void onError(Throwable t) {
          firstEvent.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
          firstEvent.completeExceptionally(new IllegalStateException("stream ended without any event"));
        }
      };
      done = http.sendAsync(chatRequest(baseUrl, true), HttpResponse.BodyHandlers.fromLineSubscriber(subscriber));
      done.whenComplete((r, e) -> {
        if (e != null) {
          firstEvent.completeExceptionally(e);
        }
      });
    }

    static StreamingCall start(HttpClient http, String baseUrl) {
      return new StreamingCall(http, baseUrl);
    }

    List<String> dataEvents() {
      List<String> out = new ArrayList<>();
      synchronized (lines) {
        for (String l : lines) {
          if (l.startsWith("data:")) {
            out.add(l.substring(5).strip());
          }
        }
      }
      return out;
    }
  }
}
