package dev.switchboard.testing;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A real local OpenAI-compatible upstream (a Vert.x server on loopback) whose timing and bytes a test controls per
 * request: a {@code behaviour} gets each chat request and its body and writes whatever it likes, whenever it likes —
 * headers then silence, a heavy-tailed first token, a stream cut after some events. It counts requests and the
 * connections the gateway closed, so a test can see at the upstream that an abandoned attempt was cancelled.
 */
public final class TimedUpstream implements AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger closedBeforeEnd = new AtomicInteger();
  private volatile BiConsumer<HttpServerRequest, JsonObject> behaviour = (req, body) -> stream(req, "chatcmpl-t",
      List.of("ok"));

  public TimedUpstream() {
    try {
      server = vertx.createHttpServer()
          .requestHandler(req -> req.body().onSuccess(b -> {
            requests.incrementAndGet();
            HttpServerResponse resp = req.response();
            resp.closeHandler(v -> {
              if (!resp.ended()) {
                closedBeforeEnd.incrementAndGet();
              }
            });
            behaviour.accept(req, b.length() == 0 ? new JsonObject() : b.toJsonObject());
          }))
          .listen(0, "127.0.0.1")
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public void behaviour(BiConsumer<HttpServerRequest, JsonObject> behaviour) {
    this.behaviour = behaviour;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Chat requests received so far. */
  public int requests() {
    return requests.get();
  }

  /** Responses whose connection the client (the gateway) closed before the upstream ended them. */
  public int closedBeforeEnd() {
    return closedBeforeEnd.get();
  }

  /** Starts an SSE response: status and headers only, nothing of the body yet. */
  public static HttpServerResponse sseHead(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    resp.setChunked(true);
    resp.putHeader("content-type", "text/event-stream");
    resp.writeHead();
    return resp;
  }

  /** One SSE event: {@code data: payload}. */
  public static void event(HttpServerResponse resp, String payload) {
    if (!resp.ended() && !resp.closed()) {
      resp.write(Buffer.buffer("data: " + payload + "\n\n"));
    }
  }

  /** A whole stream at once: role chunk, one content chunk per piece, finish chunk, [DONE]. */
  public static void stream(HttpServerRequest req, String id, List<String> pieces) {
    HttpServerResponse resp = sseHead(req);
    for (String chunk : FakeProvider.chatChunks(id, "m1", pieces.toArray(String[]::new))) {
      event(resp, chunk);
    }
    event(resp, "[DONE]");
    resp.end();
  }

  /**
   * A stream whose head and role chunk go out at once and whose content follows after {@code delayMillis} (a slow
   * first token), unless the gateway closed the connection meanwhile.
   */
  public void delayedStream(HttpServerRequest req, String id, long delayMillis, List<String> pieces) {
    HttpServerResponse resp = sseHead(req);
    List<String> chunks = FakeProvider.chatChunks(id, "m1", pieces.toArray(String[]::new));
    event(resp, chunks.get(0));
    vertx.setTimer(Math.max(1, delayMillis), t -> {
      if (resp.closed()) {
        return;
      }
      for (String chunk : chunks.subList(1, chunks.size())) {
        event(resp, chunk);
      }
      event(resp, "[DONE]");
      resp.end();
    });
  }

  @Override
  public void close() {
    try {
      server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
