package dev.switchboard.routing;

import dev.switchboard.testing.FakeProvider;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway in its own JVM with a small heap (-Xmx160m, so the default buffer budget is 20 MB), eight clients
 * asking at once for 12 MB replies: more than the heap could hold. Every 200 must be the upstream's exact bytes,
 * every other reply a visible OpenAI-shaped error, and the JVM must never run out of memory (an
 * OutOfMemoryError inside the collector used to drop a chunk and still answer 200).
 */
class SmallHeapGatewayTest {
  private static final int REPLY_BYTES = 12 * 1024 * 1024;
  private static final int CLIENTS = 8;

  private Vertx vertx;
  private HttpServer upstream;
  private byte[] reply;
  private Process gateway;
  private Path dir;

  @BeforeEach
  void startUpstream() throws Exception {
    String shell = FakeProvider.chatCompletion("chatcmpl-big", "m1", "").encode();
    StringBuilder content = new StringBuilder(REPLY_BYTES);
    for (int i = 0; content.length() < REPLY_BYTES - shell.length(); i++) {
      content.append((char) ('a' + (i * 7 + i / 1009) % 26));
    }
    reply = FakeProvider.chatCompletion("chatcmpl-big", "m1", content.toString()).encode()
        .getBytes(StandardCharsets.UTF_8);
    Buffer body = Buffer.buffer(reply);
    vertx = Vertx.vertx();
    upstream = vertx.createHttpServer()
        .requestHandler(req -> req.body().onSuccess(b -> req.response().putHeader("content-type", "application/json")
            .end(body)))
        .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    dir = Files.createTempDirectory("switchboard-small-heap");
  }

  @AfterEach
  void stopAll() throws Exception {
    if (gateway != null) {
      gateway.destroy();
      if (!gateway.waitFor(20, TimeUnit.SECONDS)) {
        gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    upstream.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void concurrentRepliesBeyondTheHeapAreWholeOrVisiblyRefusedNeverCut() throws Exception {
    int port = freePort();
    Path config = dir.resolve("switchboard.yaml");
    Files.writeString(config, """
        server: {host: 127.0.0.1, port: %d, instances: 1, shutdown_grace: 1s}
        health: {enabled: false}
        usage: {persist: false}
        logging: {access_log: false}
        routing: {request_timeout: 60s}
        providers:
          big: {type: openai, base_url: "http://127.0.0.1:%d/v1", models: [m1],
                timeouts: {connect: 5s, first_byte: 30s, idle: 30s, total: 60s}}
        """.formatted(port, upstream.actualPort()));
    Path log = dir.resolve("gateway.log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    gateway = new ProcessBuilder(java, "-Xmx160m", "-XX:+UseG1GC", "-cp", System.getProperty("java.class.path"),
        "dev.switchboard.Switchboard", "-c", config.toString())
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();
    URI health = URI.create("http://127.0.0.1:" + port + "/health");
    await().atMost(60, TimeUnit.SECONDS).ignoreExceptions().until(() -> gateway.isAlive()
        && http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);

    HttpRequest chat = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
        .header("content-type", "application/json").timeout(Duration.ofSeconds(90))
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"model\":\"m1\",\"messages\":[{\"role\":\"user\",\"content\":\"big\"}]}")).build();
    List<CompletableFuture<HttpResponse<byte[]>>> calls = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      calls.add(http.sendAsync(chat, HttpResponse.BodyHandlers.ofByteArray()));
    }
    int whole = 0;
    for (CompletableFuture<HttpResponse<byte[]>> call : calls) {
      HttpResponse<byte[]> resp = call.get(120, TimeUnit.SECONDS);
      if (resp.statusCode() == 200) {
        assertThat(resp.body().length).as("length of a 200").isEqualTo(reply.length);
        assertThat(Arrays.equals(resp.body(), reply)).as("a 200 is the upstream's exact bytes").isTrue();
        whole++;
      } else {
        JsonObject error = new JsonObject(Buffer.buffer(resp.body())).getJsonObject("error");
        assertThat(resp.statusCode()).as("a refused reply: %s", error).isEqualTo(503);
        assertThat(error.getString("code")).isEqualTo("gateway_overloaded");
      }
    }
    assertThat(whole).as("replies that fit were served").isPositive();
    assertThat(http.send(HttpRequest.newBuilder(health).build(), HttpResponse.BodyHandlers.discarding()).statusCode())
        .isEqualTo(200);
    assertThat(Files.readString(log)).doesNotContain("OutOfMemoryError");
  }
}
