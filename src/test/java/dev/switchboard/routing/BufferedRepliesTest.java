package dev.switchboard.routing;

import dev.switchboard.provider.BufferBudget;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Whole (non-stream) replies are held against one process-wide budget ({@code server.max_buffered_responses}):
 * a reply that does not fit is refused visibly (503, or fail over to a target whose reply does fit), never
 * delivered as a 200 with bytes missing, and every reserved byte is given back however the reply ends.
 */
class BufferedRepliesTest extends RoutingTestBase {
  /** 600 KB: one fits the 1 MB budget, two do not. */
  private static final String BIG = bigReply(600 * 1024);
  private static final int HELD_PART = 500 * 1024;

  private Vertx vertx;
  private HttpServer big;
  private final AtomicInteger bigRequests = new AtomicInteger();
  /** The first big reply is held half-sent until the test completes this. */
  private volatile Promise<Void> releaseFirst;
  private volatile boolean chunked;

  @BeforeEach
  void startBig() throws Exception {
    vertx = Vertx.vertx();
    releaseFirst = Promise.promise();
    Buffer whole = Buffer.buffer(BIG);
    big = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      HttpServerResponse resp = req.response().putHeader("content-type", "application/json");
      if (chunked) {
        resp.setChunked(true);
      } else {
        resp.putHeader("content-length", Integer.toString(whole.length()));
      }
      if (bigRequests.incrementAndGet() == 1) {
        // Most of it: a chunked reply is held chunk by chunk, so the held part must leave too little for another.
        resp.write(whole.getBuffer(0, HELD_PART));
        releaseFirst.future().onComplete(v -> resp.end(whole.getBuffer(HELD_PART, whole.length())));
      } else {
        for (int at = 0; at < whole.length(); at += 64 * 1024) {
          resp.write(whole.getBuffer(at, Math.min(whole.length(), at + 64 * 1024)));
        }
        resp.end();
      }
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopBig() throws Exception {
    releaseFirst.tryComplete();
    big.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A chat completion of exactly {@code size} bytes. */
  private static String bigReply(int size) {
    int shell = dev.switchboard.testing.FakeProvider.chatCompletion("chatcmpl-big", "m1", "").encode().length();
    return dev.switchboard.testing.FakeProvider.chatCompletion("chatcmpl-big", "m1", "x".repeat(size - shell))
        .encode();
  }

  private static void assertByteExact(HttpResponse<String> resp) {
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.body().length()).isEqualTo(BIG.length());
    assertThat(resp.body().equals(BIG)).as("the body is byte-exact").isTrue();
  }

  private void startGateway() {
    start("server: {host: 127.0.0.1, port: 0, instances: 1, shutdown_grace: 1s, max_buffered_responses: 1mb}\n"
        + routing("priority") + "providers:\n"
        + provider("big", "http://127.0.0.1:" + big.actualPort() + "/v1", "m1", "")
        + provider("a", a, "m1", ""));
  }

  private BufferBudget budget() {
    return gateway.switchboard().services().buffers();
  }

  /** Sends the first request, whose big reply stays half-sent, and waits until the gateway holds its bytes. */
  private CompletableFuture<HttpResponse<String>> holdFirst() {
    CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
      try {
        return chat("m1", "x-switchboard-provider", "big");
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    await().atMost(10, TimeUnit.SECONDS).until(() -> budget().usedBytes() > 0);
    return first;
  }

  @Test
  void aReplyThatDoesNotFitTheBudgetFailsOverAndTheHeldOneArrivesWhole() throws Exception {
    startGateway();
    CompletableFuture<HttpResponse<String>> first = holdFirst();
    assertThat(budget().usedBytes()).as("a declared Content-Length is reserved whole, up front")
        .isEqualTo(BIG.length());

    HttpResponse<String> second = chat("m1");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(header(second, "x-switchboard-attempts")).isEqualTo("big:buffers-full,a:200");
    assertThat(servedBy(second)).isEqualTo("a");

    releaseFirst.complete();
    HttpResponse<String> whole = first.get(10, TimeUnit.SECONDS);
    assertThat(whole.statusCode()).isEqualTo(200);
    assertByteExact(whole);
    await().atMost(10, TimeUnit.SECONDS).until(() -> budget().usedBytes() == 0);
    assertThat(guard("big").cooldownRemainingMillis(System.nanoTime()))
        .as("the gateway's own memory is no reason to cool the provider down").isZero();
  }

  @Test
  void aChunkedReplyThatOutgrowsTheBudgetIsA503NeverATruncated200() throws Exception {
    chunked = true;
    startGateway();
    CompletableFuture<HttpResponse<String>> first = holdFirst();

    HttpResponse<String> pinned = chat("m1", "x-switchboard-provider", "big");
    assertThat(pinned.statusCode()).as("status of a reply that did not fit (body length %d)", pinned.body().length())
        .isEqualTo(503);
    JsonObject error = error(pinned);
    assertThat(error.getString("code")).isEqualTo("gateway_overloaded");
    assertThat(error.getString("type")).isEqualTo("server_error");
    assertThat(header(pinned, "x-switchboard-attempts")).isEqualTo("big:buffers-full");

    releaseFirst.complete();
    HttpResponse<String> whole = first.get(10, TimeUnit.SECONDS);
    assertThat(whole.statusCode()).isEqualTo(200);
    assertByteExact(whole);
    await().atMost(10, TimeUnit.SECONDS).until(() -> budget().usedBytes() == 0);

    HttpResponse<String> later = chat("m1", "x-switchboard-provider", "big");
    assertThat(later.statusCode()).as("with the budget free again the same reply fits").isEqualTo(200);
    assertByteExact(later);
    await().atMost(10, TimeUnit.SECONDS).until(() -> budget().usedBytes() == 0);
  }
}
