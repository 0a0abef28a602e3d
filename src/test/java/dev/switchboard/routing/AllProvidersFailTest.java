package dev.switchboard.routing;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * When every candidate fails the client gets one 503 whose message names each attempt's provider and outcome, with
 * Retry-After, and x-should-retry telling the SDK not to multiply the retries the gateway already made (unless a
 * short Retry-After applies). A local target configured last answers instead, marked degraded; the implicit local
 * fallback answers only when every real provider is refused outright.
 */
class AllProvidersFailTest extends RoutingTestBase {

  private static void assertAllFailed(HttpResponse<String> resp) {
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(503);
    JsonObject error = error(resp);
    assertThat(error.getString("type")).isEqualTo("upstream_error");
    assertThat(error.getString("code")).isEqualTo("all_providers_failed");
    assertThat(header(resp, "retry-after")).as("retry-after").isNotNull();
    assertThat(header(resp, "x-switchboard-provider")).as("nobody served it: the attempts header has the chain")
        .isNull();
  }

  @Test
  void aFailedRequestNamesNoProviderEvenWhenOneAnsweredTheError() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "a is overloaded");
    b.error("/chat/completions", 400, "invalid_request_error", "invalid_value", "bad temperature");
    start(routing("priority") + twoProviders());

    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(400);
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:503,a:503,b:400");
    assertThat(header(resp, "x-switchboard-provider")).as("b refused the request; it served nothing").isNull();
  }

  @Test
  void eachAttemptIsOneClauseWithoutAnEmptyDetailRepeatedOrADoubledStop() throws Exception {
    // An HTML error page has no message: "HTTP 502" is all there is, and it is not said twice.
    a.stub("/chat/completions", aResponse().withStatus(502).withHeader("Content-Type", "text/html")
        .withBody("<html><body><h1>502 Bad Gateway</h1></body></html>"));
    b.error("/chat/completions", 500, "server_error", null, "b crashed.");
    start(routing("priority") + twoProviders());

    HttpResponse<String> resp = chat("m1");

    assertAllFailed(resp);
    String message = error(resp).getString("message");
    assertThat(message).contains("a: Provider 'a' failed with HTTP 502; a: Provider 'a' failed with HTTP 502; ")
        .contains("b: Provider 'b' failed with HTTP 500: b crashed; b: Provider 'b' failed with HTTP 500: b crashed")
        .doesNotContain("HTTP 502: HTTP 502").doesNotContain(".;");
  }

  @Test
  void everyAttemptIsListedAndTheClientIsToldNotToRetryAtOnce() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "a is overloaded");
    b.error("/chat/completions", 500, "server_error", null, "b crashed");
    start(routing("priority") + twoProviders());

    HttpResponse<String> resp = chat("m1");

    assertAllFailed(resp);
    String message = error(resp).getString("message");
    assertThat(message).contains("'m1'").contains("(4 attempts)")
        .contains("a: Provider 'a' failed with HTTP 503: a is overloaded")
        .contains("b: Provider 'b' failed with HTTP 500: b crashed");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:503,a:503,b:500,b:500");
    assertThat(header(resp, "retry-after")).isEqualTo("1");
    assertThat(header(resp, "x-should-retry")).as("the gateway spent its retries and no provider said when to come back")
        .isEqualTo("false");
  }

  @Test
  void unreachableAndTimedOutProvidersAreNamedToo() throws Exception {
    a.stub("/chat/completions", aResponse().withStatus(200).withFixedDelay(1_000));
    start(routing("priority") + "providers:\n"
        + "  a: {type: openai, base_url: \"" + a.baseUrl() + "\", api_key: k-a, models: [m1], "
        + "timeouts: {connect: 500ms, first_byte: 200ms, idle: 1s, total: 5s}}\n"
        + provider("dead", "http://127.0.0.1:" + closedPort() + "/v1", "m1", ""));

    HttpResponse<String> resp = chat("m1");

    assertAllFailed(resp);
    assertThat(error(resp).getString("message")).contains("a: Provider 'a' exceeded its first byte (200ms) timeout")
        .contains("dead: Provider 'dead' could not connect");
    // The last candidate's transient failure is retried once after a backoff, a timed-out one before it is not.
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:timeout,dead:connect,dead:connect");
    assertThat(header(resp, "x-should-retry")).isEqualTo("false");
  }

  @Test
  void aShortRetryAfterFromTheLastProviderLetsTheClientRetry() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "a is down");
    b.stub("/chat/completions", aResponse().withStatus(429).withHeader("Content-Type", "application/json")
        .withHeader("retry-after-ms", "200")
        .withBody(dev.switchboard.testing.FakeProvider.errorBody("requests", "rate_limit_exceeded", "slow down")
            .encode()));
    start(routing("priority") + twoProviders());

    HttpResponse<String> resp = chat("m1");

    assertAllFailed(resp);
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:503,a:503,b:429,b:429");
    assertThat(header(resp, "retry-after")).isEqualTo("1");
    assertThat(header(resp, "x-should-retry")).isEqualTo("true");
  }

  @Test
  void theAttemptBudgetBoundsHowManyProvidersAreTried() throws Exception {
    startC();
    a.error("/chat/completions", 503, "server_error", null, "down");
    b.error("/chat/completions", 503, "server_error", null, "down");
    c.error("/chat/completions", 503, "server_error", null, "down");
    start(routing("priority") + "providers:\n" + provider("a", a, "m1", "") + provider("b", b, "m1", "")
        + provider("c", c, "m1", ""));

    HttpResponse<String> resp = chat("m1");

    assertAllFailed(resp);
    assertThat(header(resp, "x-switchboard-attempts")).as("max_attempts: 4").isEqualTo("a:503,a:503,b:503,b:503");
    assertThat(received(c)).isZero();
  }

  @Test
  void theRequestDeadlineBoundsEverything() throws Exception {
    a.stub("/chat/completions", aResponse().withStatus(200).withFixedDelay(3_000));
    start(routing("priority", "{same_provider_first: true, per_provider: 1, backoff_base: 5ms, backoff_max: 20ms}",
        "{failure_threshold: 3, min_requests: 1000, open_for: 300ms}", "").replace("request_timeout: 10s",
        "request_timeout: 500ms") + twoProviders());

    HttpResponse<String> resp = chat("m1");

    // a answers only after 3 s: a 504 naming the deadline is the 500 ms request_timeout ending the request.
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(504);
    assertThat(error(resp).getString("message")).contains("request deadline");
    assertThat(received(b)).as("no time left for b").isZero();
  }

  @Test
  void aLocalLastTargetAnswersDegradedInstead() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "down");
    b.fault("/chat/completions", com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER);
    start(routing("priority") + twoProviders() + """
          local: {type: local, fallback: false, models: [switchboard-local]}
        models:
          smart:
            targets:
              - {provider: a, model: m1}
              - {provider: b, model: m1}
              - {provider: local}
        """);

    HttpResponse<String> resp = chat("smart");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(header(resp, "x-switchboard-provider")).isEqualTo("local");
    assertThat(header(resp, "x-switchboard-degraded")).isEqualTo("true");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:503,a:503,b:io,b:io,local:200");
    assertThat(new JsonObject(resp.body()).getJsonArray("choices").getJsonObject(0).getJsonObject("message")
        .getString("content")).contains("degraded");

    // m1 has no local target and local is no implicit fallback here: the 503 stands.
    assertAllFailed(chat("m1"));
  }

  @Test
  void aLocalProviderIsNoStandInOnceRealProvidersAreConfiguredEvenWhenEveryOneIsRefused() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "down");
    b.error("/chat/completions", 503, "server_error", null, "down");
    start(routing("priority", "{per_provider: 0, backoff_base: 5ms, backoff_max: 20ms}",
        "{failure_threshold: 2, min_requests: 1000, open_for: 10s, max_open_for: 10s}", "") + twoProviders()
        + "  local: {type: local}\n");

    // Failing providers are not skipped for the fallback: the client learns what happened.
    assertAllFailed(chat("m1"));
    assertAllFailed(chat("m1"));
    assertThat(guard("a").circuit().phase()).isEqualTo(CircuitBreaker.Phase.OPEN);
    assertThat(guard("b").circuit().phase()).isEqualTo(CircuitBreaker.Phase.OPEN);

    HttpResponse<String> resp = chat("m1");

    // Only first-run mode (no real provider enabled) or an explicit local target answers locally. Every circuit is
    // open, so panic routing tries both anyway; they fail again and the client learns that.
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(503);
    assertThat(new JsonObject(resp.body()).getJsonObject("error").getString("code")).isEqualTo("all_providers_failed");
    assertThat(resp.headers().firstValue("x-switchboard-degraded")).isEmpty();
    assertThat(resp.headers().firstValue("x-switchboard-route")).hasValueSatisfying(r -> assertThat(r).endsWith("; panic"));
    assertThat(received(a)).isEqualTo(3);
    assertThat(received(b)).isEqualTo(3);
  }
}
