package dev.switchboard.routing;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider's content-policy refusal ({@code content_filter}, {@code content_policy_violation}) is the answer by
 * default; with {@code routing.content_policy_fallback: true} the next candidate, with its own policy, gets a try and
 * x-switchboard-attempts says why the first was left.
 */
class ContentPolicyFallbackTest extends RoutingTestBase {
  private void refusedByPolicyAtA(String code) {
    a.error("/chat/completions", 400, "invalid_request_error", code,
        "The response was filtered due to the prompt triggering the content management policy.");
  }

  @Test
  void withFallbackTheRefusalMovesToTheNextProviderAndSaysSo() throws Exception {
    refusedByPolicyAtA("content_filter");
    start(routing("priority", "{per_provider: 1, backoff_base: 5ms, backoff_max: 20ms}",
        "{failure_threshold: 3}", "  content_policy_fallback: true\n") + twoProviders());

    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(servedBy(resp)).isEqualTo("b");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:content-policy,b:200");
    assertThat(received(a)).as("a refusal is not retried on the same provider").isEqualTo(1);
    assertThat(guard("a").circuit().phase().name()).as("a refusal is no fault of the provider").isEqualTo("CLOSED");
  }

  @Test
  void withFallbackAPolicyViolationEverywhereIsTheLastProvidersRefusal() throws Exception {
    refusedByPolicyAtA("content_policy_violation");
    b.error("/chat/completions", 400, "invalid_request_error", "content_policy_violation", "Refused by b's policy.");
    start(routing("priority", "{per_provider: 1}", "{failure_threshold: 3}", "  content_policy_fallback: true\n")
        + twoProviders());

    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).isEqualTo(400);
    JsonObject error = error(resp);
    assertThat(error.getString("code")).isEqualTo("content_policy_violation");
    assertThat(error.getString("message")).isEqualTo("Refused by b's policy.");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:content-policy,b:content-policy");
  }

  @Test
  void byDefaultTheRefusalIsTheAnswer() throws Exception {
    refusedByPolicyAtA("content_filter");
    start(routing("priority") + twoProviders());

    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).isEqualTo(400);
    assertThat(error(resp).getString("code")).isEqualTo("content_filter");
    assertThat(header(resp, "x-switchboard-attempts")).isEqualTo("a:content-policy");
    assertThat(received(b)).as("no other provider is asked unless the operator allows it").isZero();
  }
}
