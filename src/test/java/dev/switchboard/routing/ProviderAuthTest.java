package dev.switchboard.routing;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider that refuses Switchboard's own key (401/403) is taken out, and only that provider: the others keep
 * serving, it receives nothing more, and a model only it serves is answered with 503 no_provider_available saying
 * why, not with a client authentication error.
 */
class ProviderAuthTest extends RoutingTestBase {

  @ParameterizedTest
  @ValueSource(ints = {401, 403})
  void refusedCredentialsSuspendThatProviderOnly(int status) throws Exception {
    a.error("/chat/completions", status, "invalid_request_error", "invalid_api_key", "Incorrect API key provided");
    start(routing("priority") + "providers:\n" + provider("a", a, "m1, only-a", "") + provider("b", b, "m1", ""));

    HttpResponse<String> first = chat("m1");

    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    assertThat(servedBy(first)).isEqualTo("b");
    assertThat(header(first, "x-switchboard-attempts")).as("not retried").isEqualTo("a:" + status + ",b:200");
    assertThat(guard("a").suspendedReason()).contains("credentials refused");
    assertThat(guard("b").suspendedReason()).isNull();

    assertThat(servedBy(20, "m1")).containsOnly("b");
    assertThat(received(a)).as("a is never tried again").isEqualTo(1);
    assertThat(header(chat("m1"), "x-switchboard-route")).isEqualTo("strategy=priority; order=b");

    HttpResponse<String> onlyA = chat("only-a");
    assertThat(onlyA.statusCode()).as(onlyA.body()).isEqualTo(503);
    JsonObject error = error(onlyA);
    assertThat(error.getString("type")).isEqualTo("upstream_error");
    assertThat(error.getString("code")).isEqualTo("no_provider_available");
    assertThat(error.getString("message")).contains("'only-a'").contains("a: credentials refused (HTTP " + status + ")");
    assertThat(header(onlyA, "x-should-retry")).isEqualTo("false");
    assertThat(received(a)).isEqualTo(1);

    // Not even the pinned provider is tried: the key is known to be refused.
    HttpResponse<String> pinned = chat("m1", "x-switchboard-provider", "a");
    assertThat(pinned.statusCode()).as(pinned.body()).isEqualTo(503);
    assertThat(error(pinned).getString("code")).isEqualTo("no_provider_available");
    assertThat(received(a)).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(ints = {401, 403})
  void theOnlyProviderRefusingTheKeyIsAGatewayErrorNotAClientOne(int status) throws Exception {
    a.error("/chat/completions", status, "invalid_request_error", "invalid_api_key", "Incorrect API key provided");
    start(routing("priority") + "providers:\n" + provider("a", a, "m1", ""));

    HttpResponse<String> resp = chat("m1");

    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(502);
    JsonObject error = error(resp);
    assertThat(error.getString("code")).isEqualTo("upstream_auth_failed");
    assertThat(error.getString("message")).doesNotContain("k-a");
    assertThat(header(resp, "x-should-retry")).isEqualTo("false");
    assertThat(received(a)).isEqualTo(1);
  }
}
