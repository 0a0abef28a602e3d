package dev.switchboard.server;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.RawHttp;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Once shutdown begins, keep-alive clients are told to go: a reply in flight carries {@code Connection: close} and its
 * connection closes after it, so no client reuses a socket that is about to disappear; idle connections close at once.
 */
class ShutdownKeepAliveTest {
  private static final String CHAT = Requests.chat("gpt-real", "hi").toString();
  private final FakeProvider upstream = new FakeProvider();
  private GatewayUnderTest gateway;
  private CompletableFuture<Void> stopped;

  @AfterEach
  void close() throws Exception {
    if (stopped != null) {
      stopped.get(30, TimeUnit.SECONDS);
    } else if (gateway != null) {
      gateway.close();
    }
    upstream.close();
  }

  @Test
  void replyInFlightAtShutdownSaysConnectionCloseAndIdleConnectionsClose() throws Exception {
    upstream.stub("/chat/completions", FakeProvider.jsonReply(200,
        FakeProvider.chatCompletion("chatcmpl-1", "gpt-real", "late").encode()).withFixedDelay(1_500));
    gateway = TestConfig.empty().server("shutdown_grace: 10s", "drain_quiet: 200ms")
        .provider("up", upstream, "sk-drain-provider-key-1", "gpt-real").start();
    try (RawHttp idle = new RawHttp(gateway.port()); RawHttp busy = new RawHttp(gateway.port())) {
      idle.write("GET /v1/models HTTP/1.1\r\nHost: gw\r\n\r\n");
      await().atMost(Duration.ofSeconds(30)).until(() -> idle.response() != null);
      assertThat(idle.response().headers()).as("before shutdown, keep-alive as usual").doesNotContainKey("connection");

      busy.write("POST /v1/chat/completions HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: "
          + CHAT.length() + "\r\n\r\n" + CHAT);
      await().atMost(Duration.ofSeconds(30)).until(() ->
          upstream.server().findAll(postRequestedFor(urlPathEqualTo("/v1/chat/completions"))).size() == 1);
      stopped = gateway.stopAsync().toCompletionStage().toCompletableFuture();

      await().atMost(Duration.ofSeconds(30)).until(idle::closedByServer);
      assertThat(idle.responses()).as("the idle connection is closed, not answered").isEqualTo(1);

      await().atMost(Duration.ofSeconds(10)).until(() -> busy.response() != null);
      RawHttp.Response r = busy.response();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
          .isEqualTo("late");
      assertThat(r.headers()).as("the client must not reuse this socket").containsEntry("connection", "close");
      await().atMost(Duration.ofSeconds(30)).until(busy::closedByServer);
    }
  }
}
