package dev.switchboard.routing;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TimedUpstream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The first-token deadline: a provider that accepts a stream (headers, a role chunk, keep-alive comments) and then
 * produces no content is abandoned before the commit point, and the next candidate serves one clean stream. The
 * silent upstream keeps its connection busy with comments, so neither idle nor first_byte would ever fire, and its
 * total (30 s) is beyond the request deadline (10 s): without the deadline the request fails.
 */
class FirstTokenDeadlineTest extends RoutingTestBase {
  private TimedUpstream silent;
  /** While false the upstream answers at once; once true it goes silent after the role chunk. */
  private final AtomicBoolean silence = new AtomicBoolean(true);

  @BeforeEach
  void silentUpstream() {
    b.chatStream(FakeProvider.chatChunks("chatcmpl-b", "m1", "Hel", "lo"));
    silent = new TimedUpstream();
    silent.behaviour((req, body) -> {
      if (!silence.get()) {
        TimedUpstream.stream(req, "chatcmpl-s", List.of("fast"));
        return;
      }
      HttpServerResponse resp = TimedUpstream.sseHead(req);
      TimedUpstream.event(resp, FakeProvider.chatChunks("chatcmpl-s", "m1").get(0));
      silent.vertx().setPeriodic(100, id -> {
        if (resp.closed()) {
          silent.vertx().cancelTimer(id);
        } else {
          resp.write(Buffer.buffer(": still thinking\n\n"));
        }
      });
    });
  }

  @AfterEach
  void stopSilent() {
    silent.close();
  }

  private static String silentProvider(String id, TimedUpstream up, String firstToken) {
    return "  " + id + ": {type: openai, base_url: \"" + up.baseUrl() + "\", api_key: k-" + id + ", models: [m1], "
        + "timeouts: {connect: 500ms, first_byte: 2s, idle: 2s, total: 30s" + firstToken + "}}\n";
  }

  /** Starts the gateway and warms b up, so its own first token is never slow (a cold WireMock can take a second). */
  @Override
  protected void start(String yaml) {
    super.start(yaml);
    try {
      assertThat(gateway.post(CHAT_PATH, streamBody("m1"), "x-switchboard-provider", "b").statusCode()).isEqualTo(200);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private HttpResponse<String> stream(String model, String... headers) throws Exception {
    return gateway.post(CHAT_PATH, streamBody(model), headers);
  }

  private void assertServedByBAfterAbandoningS(HttpResponse<String> resp) {
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(header(resp, "x-switchboard-provider")).isEqualTo("b");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("s:timeout,b:200");
    List<String> events = SseClient.dataEvents(resp.body());
    assertThat(events).last().isEqualTo("[DONE]");
    assertThat(resp.body()).doesNotContain("chatcmpl-s").doesNotContain("\"error\"");
  }

  @Test
  void aProviderSilentPastItsFirstTokenDeadlineIsAbandonedBeforeCommit() throws Exception {
    start(routing("priority") + "providers:\n" + silentProvider("s", silent, ", first_token: 500ms")
        + provider("b", b, "m1", ""));

    assertServedByBAfterAbandoningS(stream("m1"));
    // Abandoned means cancelled: the gateway closed the connection, so the provider stops generating.
    await().atMost(30, TimeUnit.SECONDS).until(() -> silent.closedBeforeEnd() == 1);
    assertThat(stats("s").consecutiveFailures()).as("the slow provider's stats see it").isEqualTo(1);
  }

  @Test
  void anAliasOrTheRequestHeaderSetsTheDeadline() throws Exception {
    start(routing("priority") + "providers:\n" + silentProvider("s", silent, "") + provider("b", b, "m1", "")
        + "models:\n  quick:\n    first_token: 500ms\n    targets: [{provider: s, model: m1}, {provider: b, model: m1}]\n");

    assertServedByBAfterAbandoningS(stream("quick"));
    assertServedByBAfterAbandoningS(stream("m1", "x-switchboard-first-token-timeout", "400ms"));
  }

  @Test
  void withNothingConfiguredTheDeadlineFollowsTheProvidersLiveTimeToFirstToken() throws Exception {
    start(routing("priority", "{per_provider: 0}", "{failure_threshold: 100}",
        "  first_token: {factor: 3, min: 300ms, max: 1s, min_samples: 5}\n")
        + "providers:\n" + silentProvider("s", silent, "") + provider("b", b, "m1", ""));
    silence.set(false);
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> fast = stream("m1");
      assertThat(header(fast, "x-switchboard-provider")).isEqualTo("s");
    }
    assertThat(stats("s").streamFirstTokenMillis(0.99, 5)).as("five fast first tokens measured").isPositive();

    silence.set(true);
    assertServedByBAfterAbandoningS(stream("m1"));
  }

  @Test
  void aMalformedHeaderIsTheClientsError() throws Exception {
    start(routing("priority") + twoProviders());
    HttpResponse<String> resp = stream("m1", "x-switchboard-first-token-timeout", "soon");
    assertThat(resp.statusCode()).isEqualTo(400);
    JsonObject error = error(resp);
    assertThat(error.getString("param")).isEqualTo("x-switchboard-first-token-timeout");
    assertThat(error.getString("code")).isEqualTo("invalid_first_token_timeout");
    assertThat(received(a) + received(b)).as("only the warm-up").isEqualTo(1);
  }
}
