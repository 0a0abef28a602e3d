package dev.switchboard.routing;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-request routing headers: {@code x-switchboard-provider} pins the request to providers (no failover
 * elsewhere) or, with {@code prefer:}, puts them first; {@code x-switchboard-strategy} overrides the strategy.
 * Invalid values are the client's error: 400 invalid_request_error with the header as param. a, b and c serve m1;
 * only c serves m2; the default strategy is priority (a, b, c).
 */
class PinningTest extends RoutingTestBase {

  @BeforeEach
  void startGateway() {
    startC();
    start(routing("priority") + "providers:\n" + provider("a", a, "m1", "") + provider("b", b, "m1", "")
        + provider("c", c, "m1, m2", ""));
  }

  private static void assertBadHeader(HttpResponse<String> resp, String header, String code, String mentions) {
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(400);
    JsonObject error = error(resp);
    assertThat(error.getString("type")).isEqualTo("invalid_request_error");
    assertThat(error.getString("param")).isEqualTo(header);
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getString("message")).contains(mentions);
  }

  @Test
  void pinSendsOnlyToThatProvider() throws Exception {
    List<String> served = servedBy(10, "m1", "x-switchboard-provider", "b");

    assertThat(served).containsOnly("b");
    assertThat(received(a)).isZero();
    HttpResponse<String> resp = chat("m1", "x-switchboard-provider", "b");
    assertThat(header(resp, "x-switchboard-route")).isEqualTo("strategy=priority; order=b");
  }

  @Test
  void aPinnedProviderThatFailsIsNotFailedOverElsewhere() throws Exception {
    b.error("/chat/completions", 503, "server_error", null, "b is down");

    HttpResponse<String> resp = chat("m1", "x-switchboard-provider", "b");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(503);
    assertThat(error(resp).getString("message")).contains("b is down");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("b:503,b:503");
    assertThat(header(resp, "x-switchboard-route")).isEqualTo("strategy=priority; order=b");
    assertThat(received(a) + received(c)).isZero();
  }

  @Test
  void pinListAllowsExactlyThoseProviders() throws Exception {
    b.error("/chat/completions", 503, "server_error", null, "b is down");

    HttpResponse<String> resp = chat("m1", "x-switchboard-provider", "c, b");

    assertThat(servedBy(resp)).isEqualTo("c");
    assertThat(header(resp, "x-switchboard-attempts")).as("in strategy order, a left out").isEqualTo("b:503,b:503,c:200");
    assertThat(received(a)).isZero();
  }

  @Test
  void preferPutsAProviderFirstButStillFailsOver() throws Exception {
    assertThat(servedBy(5, "m1", "x-switchboard-provider", "prefer:c")).containsOnly("c");
    HttpResponse<String> resp = chat("m1", "x-switchboard-provider", "prefer:c");
    assertThat(header(resp, "x-switchboard-route")).isEqualTo("strategy=priority; order=c,a,b");

    c.error("/chat/completions", 500, "server_error", null, "c is down");
    resp = chat("m1", "x-switchboard-provider", "PREFER: c");

    assertThat(servedBy(resp)).isEqualTo("a");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("c:500,c:500,a:200");
  }

  @Test
  void preferringAProviderThatDoesNotServeTheModelIsHarmless() throws Exception {
    HttpResponse<String> resp = chat("m2", "x-switchboard-provider", "prefer:a");

    assertThat(servedBy(resp)).isEqualTo("c");
  }

  @Test
  void strategyHeaderOverridesTheConfiguredStrategy() throws Exception {
    List<String> served = servedBy(6, "m1", "x-switchboard-strategy", "round-robin");

    assertThat(served).containsExactly("a", "b", "c", "a", "b", "c");
    HttpResponse<String> resp = chat("m1", "x-switchboard-strategy", " Round_Robin ");
    assertThat(header(resp, "x-switchboard-route")).isEqualTo("strategy=round-robin; order=a,b,c");
    assertThat(header(chat("m1"), "x-switchboard-route")).as("without the header")
        .isEqualTo("strategy=priority; order=a,b,c");
  }

  @Test
  void strategyHeaderAndPinTogether() throws Exception {
    List<String> served = servedBy(4, "m1", "x-switchboard-strategy", "round-robin", "x-switchboard-provider",
        "b,c");

    assertThat(served).containsOnly("b", "c");
    assertThat(count(served, "b")).isEqualTo(2);
    assertThat(received(a)).isZero();
  }

  @Test
  void unknownStrategyIsRejected() throws Exception {
    HttpResponse<String> resp = chat("m1", "x-switchboard-strategy", "fastest");

    assertBadHeader(resp, "x-switchboard-strategy", "invalid_strategy", "fastest");
    assertThat(error(resp).getString("message")).contains("least-latency").contains("round-robin");
    assertThat(received(a) + received(b) + received(c)).isZero();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "nope           | unknown_provider           | 'nope'",
      "prefer:nope    | unknown_provider           | 'nope'",
      "a,nope         | unknown_provider           | 'nope'",
      "prefer:        | unknown_provider           | names no provider",
      "' , '          | unknown_provider           | names no provider",
  })
  void invalidProviderHeaderIsRejected(String value, String code, String mentions) throws Exception {
    assertBadHeader(chat("m1", "x-switchboard-provider", value), "x-switchboard-provider", code, mentions);
    assertThat(received(a) + received(b) + received(c)).isZero();
  }

  @Test
  void pinningAProviderThatDoesNotServeTheModelIsRejected() throws Exception {
    HttpResponse<String> resp = chat("m2", "x-switchboard-provider", "a");

    assertBadHeader(resp, "x-switchboard-provider", "provider_not_serving_model", "'m2'");
    assertThat(received(a) + received(c)).isZero();
  }
}
