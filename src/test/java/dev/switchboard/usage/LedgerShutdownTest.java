package dev.switchboard.usage;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A clean shutdown loses no ledger row: every request a client saw answered is in the ledger afterwards. */
class LedgerShutdownTest {
  private static final String CHAT = Requests.chat("gpt-real", "hi").toString();
  private static final int REQUESTS = 20;
  private final FakeProvider upstream = new FakeProvider();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void close() {
    upstream.close();
  }

  @Test
  void requestsAnsweredDuringShutdownAreAllInTheLedger(@TempDir Path data) throws Exception {
    upstream.stub("/chat/completions", FakeProvider.jsonReply(200,
        FakeProvider.chatCompletion("chatcmpl-1", "gpt-real", "ok").encode()).withFixedDelay(1_000));
    GatewayUnderTest gateway = TestConfig.empty().server("instances: 2", "shutdown_grace: 10s")
        .section("usage", "{persist: true, data_dir: \"%s\", flush_interval: 20ms}"
            .formatted(data.toString().replace("\\", "/")))
        .provider("up", upstream, "sk-ledger-provider-key-1", "gpt-real").start();
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    await().atMost(Duration.ofSeconds(10)).until(() ->
        upstream.server().findAll(postRequestedFor(urlPathEqualTo("/v1/chat/completions"))).size() == REQUESTS);

    gateway.close();

    long answered = 0;
    for (CompletableFuture<HttpResponse<String>> call : calls) {
      if (call.get(10, TimeUnit.SECONDS).statusCode() == 200) {
        answered++;
      }
    }
    assertThat(answered).as("every request in flight finishes within the grace").isEqualTo(REQUESTS);
    try (Ledger ledger = Ledger.open(data)) {
      assertThat(ledger.count()).as("ledger rows after a clean shutdown").isEqualTo(answered);
    }
  }
}
