package dev.switchboard.routing;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TimedUpstream;
import io.micrometer.core.instrument.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hedged stream attempts: when the first attempt (on a real local upstream whose first token is slow) has produced no
 * content after the hedge delay, a second starts on the next candidate; the first to produce content wins, the other
 * is cancelled at once (its connection closed, seen at the upstream), and x-switchboard-attempts shows the hedge.
 * The budget bounds the extra attempts.
 */
class HedgingTest extends RoutingTestBase {
  private TimedUpstream slow;
  /** How long the slow upstream takes to its first content event. */
  private final AtomicLong firstTokenMillis = new AtomicLong(5_000);

  @BeforeEach
  void slowUpstream() {
    b.chatStream(FakeProvider.chatChunks("chatcmpl-b", "m1", "Hel", "lo"));
    slow = new TimedUpstream();
    slow.behaviour((req, body) -> slow.delayedStream(req, "chatcmpl-s", firstTokenMillis.get(), List.of("slow")));
  }

  @AfterEach
  void stopSlow() {
    slow.close();
  }

  private void start(String hedge, String models) throws Exception {
    start(routing("priority", "{per_provider: 0}", "{failure_threshold: 100}", "  hedge: " + hedge + "\n")
        + "providers:\n  s: {type: openai, base_url: \"" + slow.baseUrl() + "\", api_key: k-s, models: [m1], "
        + "timeouts: {connect: 500ms, first_byte: 2s, idle: 10s, total: 30s}}\n" + provider("b", b, "m1", "")
        + models);
    // Warm b up, so its first token is never the slow one (a cold WireMock can take a second).
    assertThat(gateway.post(CHAT_PATH, streamBody("m1"), "x-switchboard-provider", "b").statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> stream(String model, String... headers) throws Exception {
    return gateway.post(CHAT_PATH, streamBody(model), headers);
  }

  private double hedges(String provider, String result) {
    Counter c = gateway.switchboard().services().prometheus().find("switchboard_hedges")
        .tags("provider", provider, "result", result).counter();
    return c == null ? 0 : c.count();
  }

  private static String text(HttpResponse<String> resp) {
    StringBuilder text = new StringBuilder();
    for (String e : SseClient.dataEvents(resp.body())) {
      if (!e.equals("[DONE]")) {
        var choices = new io.vertx.core.json.JsonObject(e).getJsonArray("choices");
        if (choices.size() > 0) {
          text.append(choices.getJsonObject(0).getJsonObject("delta").getString("content", ""));
        }
      }
    }
    return text.toString();
  }

  @Test
  void aSlowFirstAttemptIsHedgedAndTheLoserIsCancelledAtTheUpstream() throws Exception {
    start("{enabled: true, delay: 200ms}", "");

    HttpResponse<String> resp = stream("m1");
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(header(resp, "x-switchboard-provider")).isEqualTo("b");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("s:hedge_lost,b:200");
    assertThat(text(resp)).isEqualTo("Hello");
    assertThat(resp.body()).doesNotContain("chatcmpl-s");
    assertThat(SseClient.dataEvents(resp.body())).last().isEqualTo("[DONE]");
    // The loser's connection was closed, so the provider stops generating.
    await().atMost(30, TimeUnit.SECONDS).until(() -> slow.closedBeforeEnd() == 1);
    await().atMost(30, TimeUnit.SECONDS).until(() -> hedges("s", "lost") == 1);
    assertThat(hedges("b", "started")).isEqualTo(1);
    assertThat(hedges("b", "won")).isEqualTo(1);
    assertThat(stats("s").consecutiveFailures()).as("losing a hedge is not a failure").isZero();
  }

  @Test
  void aFirstAttemptWithContentBeforeTheDelayIsNotHedged() throws Exception {
    start("{enabled: true, delay: 2s}", "");
    firstTokenMillis.set(10);

    HttpResponse<String> resp = stream("m1");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("s:200");
    assertThat(text(resp)).isEqualTo("slow");
    assertThat(received(b)).as("only the warm-up").isEqualTo(1);
    assertThat(hedges("b", "started")).isZero();
  }

  @Test
  void theAliasAndTheRequestHeaderTurnHedgingOnAndOff() throws Exception {
    start("{enabled: false, delay: 200ms}", "models:\n  hedged:\n    hedge: true\n"
        + "    targets: [{provider: s, model: m1}, {provider: b, model: m1}]\n");
    firstTokenMillis.set(600);

    assertThat(header(stream("m1"), "x-switchboard-attempts")).as("off by default").isEqualTo("s:200");
    assertThat(header(stream("hedged"), "x-switchboard-attempts")).isEqualTo("s:hedge_lost,b:200");
    assertThat(header(stream("hedged", "x-switchboard-hedge", "off"), "x-switchboard-attempts")).isEqualTo("s:200");
    assertThat(header(stream("m1", "x-switchboard-hedge", "100ms"), "x-switchboard-attempts"))
        .isEqualTo("s:hedge_lost,b:200");
    HttpResponse<String> bad = stream("m1", "x-switchboard-hedge", "maybe");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(error(bad).getString("code")).isEqualTo("invalid_hedge");
  }

  @Test
  void theBudgetBoundsTheExtraAttempts() throws Exception {
    start("{enabled: true, delay: 50ms, budget: 0.2, burst: 1}", "");
    firstTokenMillis.set(400);
    int requests = 10;
    for (int i = 0; i < requests; i++) {
      assertThat(stream("m1").statusCode()).isEqualTo(200);
    }
    double started = hedges("b", "started");
    assertThat(started).as("at most budget x requests + burst").isBetween(1.0, 0.2 * requests + 1);
    assertThat(hedges("b", "no_budget")).isEqualTo(requests - started);
  }

  @Test
  void theLosersEstimatedTokensAndCostAreBookedWithTheRequestAndCounted() throws Exception {
    start("usage: {persist: false, flush_interval: 50ms}\n"
        + routing("priority", "{per_provider: 0}", "{failure_threshold: 100}", "  hedge: {enabled: true, delay: 200ms}\n")
        + "providers:\n  s: {type: openai, base_url: \"" + slow.baseUrl() + "\", api_key: k-s, "
        + "models: [{name: m1, input_price: 1000, output_price: 1000}], "
        + "timeouts: {connect: 500ms, first_byte: 2s, idle: 10s, total: 30s}}\n" + provider("b", b, "m1", ""));

    HttpResponse<String> resp = stream("m1");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("s:hedge_lost,b:200");
    String id = header(resp, "x-request-id");
    var usage = gateway.switchboard().services().usage();
    await().atMost(10, TimeUnit.SECONDS).until(() -> !usage.query(l -> l.rows(id)).toCompletionStage()
        .toCompletableFuture().join().isEmpty());
    io.vertx.core.json.JsonObject row = usage.query(l -> l.rows(id)).toCompletionStage().toCompletableFuture().join()
        .get(0);
    // b reports 5 prompt + 2 completion tokens at no price; s's prompt (by the tokenizer) is added, at s's price.
    assertThat(row.getLong("prompt_tokens")).as("the loser's prompt is booked too").isGreaterThan(5);
    assertThat(row.getLong("completion_tokens")).isEqualTo(2);
    assertThat(row.getDouble("cost")).as("b is unpriced: all of it is s's").isPositive();
    assertThat(row.getBoolean("estimated")).isTrue();
    assertThat(row.getString("attempts")).isEqualTo("s:hedge_lost,b:200");
    Counter tokens = gateway.switchboard().services().prometheus().find("switchboard_abandoned_attempt_tokens")
        .tags("provider", "s", "why", "hedge_lost").counter();
    assertThat(tokens).isNotNull();
    assertThat(tokens.count()).isEqualTo(row.getLong("prompt_tokens") - 5);
  }
}
