package dev.switchboard.routing;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An admin's {@code enable} gives the provider a clean slate: its run of consecutive failures and its error window are
 * forgotten, so the first failure after it is judged on its own, not added to the failures from before.
 */
class AdminEnableTest extends RoutingTestBase {
  private static final String ADMIN_KEY = "admin-key-for-enable-tests";

  @Test
  void afterEnableOneFailureDoesNotReopenTheCircuit() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "unavailable");
    start("auth: {admin_key: " + ADMIN_KEY + "}\n" + routing("priority") + "providers:\n"
        + provider("a", a, "m1", ""));

    HttpResponse<String> before = chat("m1");
    assertThat(header(before, "x-switchboard-attempts")).isEqualTo("a:503,a:503");
    assertThat(stats("a").consecutiveFailures()).as("below failure_threshold 3").isEqualTo(2);
    assertThat(guard("a").circuit().phase()).isEqualTo(CircuitBreaker.Phase.CLOSED);

    HttpResponse<String> enabled = gateway.post("/admin/providers/a/enable", null,
        "Authorization", "Bearer " + ADMIN_KEY);
    assertThat(enabled.statusCode()).as(enabled.body()).isEqualTo(200);
    assertThat(stats("a").consecutiveFailures()).isZero();

    HttpResponse<String> after = chat("m1");

    assertThat(header(after, "x-switchboard-attempts")).as("the retry is not skipped for an open circuit")
        .isEqualTo("a:503,a:503");
    JsonObject error = error(after);
    assertThat(after.statusCode()).as(after.body()).isEqualTo(503);
    assertThat(error.getString("code")).as("the provider's own failure, not all_providers_failed")
        .isEqualTo("upstream_error");
    assertThat(error.getString("message")).doesNotContain("circuit open");
    assertThat(guard("a").circuit().phase()).isEqualTo(CircuitBreaker.Phase.CLOSED);
  }
}
