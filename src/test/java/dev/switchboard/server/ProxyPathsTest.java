package dev.switchboard.server;

import dev.switchboard.api.Endpoint;
import dev.switchboard.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Which requests the server dispatches itself and which it leaves to the Router, on a real HTTP server: only what
 * the Router would have sent to the proxy handlers with nothing else to do.
 */
class ProxyPathsTest {
  private static final StagePipeline PIPELINE = new StagePipeline(List.of(), List.of());
  private static final ProxyPaths PATHS = new ProxyPaths()
      .add("/v1/chat/completions", Endpoint.CHAT, PIPELINE, false)
      .add("/v1/messages", Endpoint.CHAT, PIPELINE, true);
  private static Vertx vertx;
  private static HttpServer server;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    server = vertx.createHttpServer().requestHandler(req -> {
      ProxyPaths.Target target = PATHS.match(req);
      req.response().end(target == null ? "router" : "direct " + target.endpoint() + " " + target.anthropic());
    }).listen(0, "127.0.0.1").await();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static String dispatch(String head) throws Exception {
    try (RawHttp s = new RawHttp(server.actualPort())) {
      s.write(head + "\r\n");
      await().atMost(Duration.ofSeconds(30)).until(() -> s.response() != null);
      return s.response().body();
    }
  }

  private static String post(String target, String headers) throws Exception {
    return dispatch("POST " + target + " HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n" + headers);
  }

  @Test
  void aPostOnTheExactPathIsDispatchedDirectly() throws Exception {
    assertThat(post("/v1/chat/completions", "")).isEqualTo("direct CHAT false");
    assertThat(post("/v1/chat/completions?api-version=2024-02-01", "")).isEqualTo("direct CHAT false");
    assertThat(post("/v1/messages", "")).as("an Anthropic front end").isEqualTo("direct CHAT true");
    assertThat(post("/v1/chat/completions", "Expect: 100-continue\r\n")).isEqualTo("direct CHAT false");
    assertThat(post("/v1/chat/completions", "Content-Type: application/x-www-form-urlencoded\r\n"))
        .isEqualTo("direct CHAT false");
    assertThat(dispatch("POST /v1/chat/completions HTTP/1.0\r\nContent-Length: 0\r\n"))
        .as("HTTP/1.0 needs no Host").isEqualTo("direct CHAT false");
  }

  @Test
  void everythingElseGoesToTheRouter() throws Exception {
    assertThat(post("/v1/chat/completions/", "")).as("a trailing slash").isEqualTo("router");
    assertThat(post("/v1//chat/completions", "")).as("a path to normalise").isEqualTo("router");
    assertThat(post("/V1/chat/completions", "")).isEqualTo("router");
    assertThat(post("/v1/models", "")).isEqualTo("router");
    assertThat(dispatch("GET /v1/chat/completions HTTP/1.1\r\nHost: gw\r\n")).as("another method")
        .isEqualTo("router");
    assertThat(dispatch("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 0\r\n")).as("no Host")
        .isEqualTo("router");
    assertThat(post("/v1/chat/completions", "Expect: 42-answer\r\n")).as("an expectation only the Router refuses")
        .isEqualTo("router");
    assertThat(post("/v1/chat/completions", "Content-Type: Multipart/Form-Data; boundary=x\r\n")).isEqualTo("router");
  }
}
