package dev.switchboard.routing;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.switchboard.testing.FakeProvider;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retry hints from the provider: a short one is waited out on the same provider (the retry is scheduled exactly as
 * long after as asked), a long one moves the request on at once and cools the provider down for later requests.
 * The routing allows waiting up to 2 s (max_retry_after).
 */
class RetryAfterTest extends RoutingTestBase {

  private static ResponseDefinitionBuilder rateLimited(String... headers) {
    ResponseDefinitionBuilder r = aResponse().withStatus(429).withHeader("Content-Type", "application/json")
        .withBody(FakeProvider.errorBody("requests", "rate_limit_exceeded", "Rate limit reached for requests")
            .encode());
    for (int i = 0; i < headers.length; i += 2) {
      r.withHeader(headers[i], headers[i + 1]);
    }
    return r;
  }

  /** The first request to {@code p} gets {@code first}, every later one succeeds. */
  private static void firstThenOk(FakeProvider p, ResponseDefinitionBuilder first) {
    p.server().resetAll();
    p.stub(post(urlPathEqualTo(CHAT_PATH)).inScenario("hint").whenScenarioStateIs(STARTED)
        .willReturn(first).willSetStateTo("recovered"));
    p.stub(post(urlPathEqualTo(CHAT_PATH)).inScenario("hint").whenScenarioStateIs("recovered")
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
            .withBody(FakeProvider.chatCompletion("chatcmpl-a", "m1", "from a").encode())));
  }

  private void startOnlyA() {
    start(routing("priority") + "providers:\n" + provider("a", a, "m1", ""));
  }

  @ParameterizedTest(name = "{0}: {1} -> waits {3} ms")
  @CsvSource({
      "429, retry-after-ms, 300, 300",
      "429, Retry-After, 1, 1000",
      "503, retry-after-ms, 250, 250",
  })
  void shortRetryAfterIsWaitedOutOnTheSameProvider(int status, String header, String value, long waitMillis)
      throws Exception {
    firstThenOk(a, rateLimited(header, value).withStatus(status));
    startOnlyA();

    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(servedBy(resp)).isEqualTo("a");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:" + status + ",a:200");
    assertSpacedBy(requests(a), waitMillis);
  }

  @Test
  void rateLimitResetHeaderIsAHintToo() throws Exception {
    firstThenOk(a, rateLimited("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "400ms"));
    startOnlyA();

    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:429,a:200");
    assertSpacedBy(requests(a), 400);
  }

  /** The failover events the gateway publishes, collected from the start of the test's gateway. */
  private final List<JsonObject> failovers = new CopyOnWriteArrayList<>();

  @Override
  protected void start(String yaml) {
    super.start(yaml);
    try {
      gateway.switchboard().vertx().eventBus().<JsonObject>consumer(FailoverChain.FAILOVER_ADDRESS,
          m -> failovers.add(m.body())).completion().toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Two requests (one retry, no further backoff attempts), and the retry scheduled {@code millis} after the failure:
   * the delay the chain asked its timer for, as the failover event reports it — not a wall-clock gap.
   */
  private void assertSpacedBy(List<LoggedRequest> requests, long millis) {
    assertThat(requests).hasSize(2);
    await().atMost(Duration.ofSeconds(10)).until(() -> !failovers.isEmpty());
    assertThat(failovers).hasSize(1);
    assertThat(failovers.get(0).getJsonArray("backoff_ms").getList()).as("backoff asked for, in ms")
        .containsExactly(millis);
  }

  @Test
  void longRetryAfterMovesOnAtOnceAndLaterRequestsSkipTheCooledDownProvider() throws Exception {
    a.stub("/chat/completions", rateLimited("Retry-After", "60"));
    start(routing("priority") + twoProviders());

    HttpResponse<String> first = chat("m1");

    // Waiting out a's 60 s would have run past the 10 s request deadline: b's 200 right after a's 429 is moving on.
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(servedBy(first)).isEqualTo("b");
    assertThat(header(first, "x-switchboard-attempts")).as("no retry of a").isEqualTo("a:429,b:200");
    assertThat(guard("a").cooldownRemainingMillis(System.nanoTime())).isBetween(50_000L, 60_000L);

    List<String> later = servedBy(10, "m1");

    assertThat(later).containsOnly("b");
    assertThat(received(a)).as("a is skipped while it cools down").isEqualTo(1);
    HttpResponse<String> resp = chat("m1");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("b:200");
    assertThat(header(resp, "x-switchboard-route")).isEqualTo("strategy=priority; order=b");
  }

  @Test
  void longRetryAfterOnTheOnlyProviderIsPassedToTheClient() throws Exception {
    a.stub("/chat/completions", rateLimited("Retry-After", "60"));
    startOnlyA();

    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(429);
    JsonObject error = error(resp);
    assertThat(error.getString("type")).isEqualTo("rate_limit_error");
    assertThat(error.getString("code")).isEqualTo("upstream_rate_limited");
    assertThat(header(resp, "retry-after")).isEqualTo("60");
    assertThat(header(resp, "x-should-retry")).as("a retry within the SDK's own backoff cannot help")
        .isEqualTo("false");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:429");

    // While it cools down nothing is sent to it; the client is told why and when to come back, as a rate limit (a
    // 503 would read as an outage to an SDK, issue 13 item 11).
    HttpResponse<String> next = chat("m1");
    assertThat(next.statusCode()).as(next.body()).isEqualTo(429);
    JsonObject e = error(next);
    assertThat(e.getString("type")).isEqualTo("rate_limit_error");
    assertThat(e.getString("code")).isEqualTo("provider_rate_limited");
    assertThat(e.getString("message")).contains("a: rate limited by the provider");
    assertThat(Long.parseLong(header(next, "retry-after"))).isBetween(50L, 60L);
    assertThat(received(a)).isEqualTo(1);
  }

  @Test
  void everyProviderRateLimitingIsA429WithTheShortestRetryAfter() throws Exception {
    a.stub("/chat/completions", rateLimited("Retry-After", "7"));
    b.stub("/chat/completions", rateLimited("Retry-After", "3"));
    start(routing("priority") + twoProviders());

    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).as("an SDK backs off on a 429; a 503 reads as an outage: %s", resp.body())
        .isEqualTo(429);
    JsonObject error = error(resp);
    assertThat(error.getString("type")).isEqualTo("rate_limit_error");
    assertThat(error.getString("code")).isEqualTo("upstream_rate_limited");
    assertThat(error.getString("message")).contains("a: Provider 'a' is rate limiting")
        .contains("b: Provider 'b' is rate limiting");
    assertThat(header(resp, "retry-after")).as("the sooner of the two").isEqualTo("3");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:429,b:429");
  }

  @Test
  void aRateLimitWithAShortRetryAfterIsACooldownNotAnOutage() throws Exception {
    a.stub("/chat/completions", rateLimited("Retry-After", "1"));
    // Three failures in a row would open the circuit; each Retry-After of 1 s is shorter than its open_for of 5 s.
    start(routing("priority", "{same_provider_first: true, per_provider: 3, backoff_base: 5ms, backoff_max: 20ms, "
        + "max_retry_after: 2s}", "{failure_threshold: 3, error_rate: 0.5, min_requests: 1000, open_for: 5s, "
        + "max_open_for: 10s, half_open_requests: 1}", "") + "providers:\n" + provider("a", a, "m1", ""));

    HttpResponse<String> resp = chat("m1");

    assertThat(header(resp, "x-switchboard-attempts")).as("no try skipped for an open circuit")
        .isEqualTo("a:429,a:429,a:429,a:429");
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(429);
    assertThat(error(resp).getString("type")).isEqualTo("rate_limit_error");
    assertThat(guard("a").circuit().phase()).isEqualTo(CircuitBreaker.Phase.CLOSED);
    assertThat(stats("a").consecutiveFailures()).isZero();
    assertThat(received(a)).isEqualTo(4);
  }
}
