package dev.switchboard.admin;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GET /status}: the level a client banner shows, overall, per service type and per alias, as providers go
 * down one by one (an admin's maintenance takes them out), down to {@code critical} when only the local fallback is
 * left; public by default, without keys or upstream reasons in it.
 */
class StatusTest {
  private static final String ADMIN = "status-admin-key";
  private final FakeProvider a = new FakeProvider();
  private final FakeProvider b = new FakeProvider();
  private final FakeProvider c = new FakeProvider();

  @AfterEach
  void stop() {
    a.close();
    b.close();
    c.close();
  }

  private GatewayUnderTest start(String statusSection) {
    TestConfig config = TestConfig.empty().adminKey(ADMIN).clientKey("app", "sk-client-app")
        .provider("a", a, "sk-secret-a", "m")
        .provider("b", b, "sk-secret-b", "m")
        .providerEntry(c.providerYaml("claude", "anthropic", "", "sk-secret-claude", List.of("claude-x")))
        .provider("local", "{type: local, models: [m]}")
        .model("m", "a/m", "b/m", "local/m")
        .model("chat", "a/m", "claude/claude-x")
        .routing("{strategy: priority, explore: 0}");
    if (statusSection != null) {
      config.section("status", statusSection);
    }
    return config.start();
  }

  private static JsonObject status(GatewayUnderTest gw) throws Exception {
    HttpResponse<String> resp = gw.get("/status");
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(resp.body()).doesNotContain("sk-secret").doesNotContain("sk-client").doesNotContain(ADMIN);
    return new JsonObject(resp.body());
  }

  private static void maintenance(GatewayUnderTest gw, String provider) throws Exception {
    HttpResponse<String> resp = gw.post("/admin/providers/" + provider + "/maintenance",
        "{\"reason\":\"secret upstream detail\"}", "Authorization", "Bearer " + ADMIN);
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
  }

  @Test
  void levelsFallAsProvidersGoDownOneByOne() throws Exception {
    try (GatewayUnderTest gw = start(null)) {
      JsonObject healthy = status(gw);
      assertThat(healthy.getString("status")).isEqualTo("healthy");
      assertThat(healthy.getString("message")).isEqualTo("All services healthy.");
      JsonObject text = healthy.getJsonObject("services").getJsonObject("text");
      assertThat(text.getString("status")).isEqualTo("healthy");
      assertThat(text.getString("provider")).isEqualTo("a");
      assertThat(text.getInteger("providers_up")).isEqualTo(3);
      assertThat(text.getInteger("providers_total")).isEqualTo(3);
      assertThat(text.getString("message")).isEqualTo("All 3 providers of text service up; powered by a.");
      // Anthropic's API has no images, speech or embeddings: those services count a and b only.
      assertThat(healthy.getJsonObject("services").getJsonObject("image").getInteger("providers_total")).isEqualTo(2);
      assertThat(healthy.getJsonObject("services").fieldNames())
          .containsExactlyInAnyOrder("text", "embeddings", "image", "speech");
      JsonObject m = healthy.getJsonObject("models").getJsonObject("m");
      assertThat(m.getString("status")).isEqualTo("healthy");
      assertThat(m.getInteger("providers_total")).as("the local fallback is not a real provider").isEqualTo(2);
      assertThat(m.getBoolean("local_fallback")).isTrue();
      assertThat(healthy.getJsonObject("models").getJsonObject("chat").getBoolean("local_fallback")).isFalse();

      maintenance(gw, "a");
      JsonObject one = status(gw);
      assertThat(one.getString("status")).isEqualTo("degraded");
      JsonObject m1 = one.getJsonObject("models").getJsonObject("m");
      assertThat(m1.getString("status")).isEqualTo("degraded");
      assertThat(m1.getString("provider")).isEqualTo("b");
      assertThat(m1.getInteger("providers_up")).isEqualTo(1);
      assertThat(m1.getString("message")).isEqualTo("1 of 2 providers of m up; powered by b.");
      assertThat(one.getJsonObject("models").getJsonObject("chat").getString("provider")).isEqualTo("claude");
      assertThat(one.toString()).doesNotContain("secret upstream detail");

      maintenance(gw, "b");
      JsonObject two = status(gw);
      assertThat(two.getString("status")).as("no real provider serves images any more").isEqualTo("critical");
      JsonObject m2 = two.getJsonObject("models").getJsonObject("m");
      assertThat(m2.getString("status")).isEqualTo("critical");
      assertThat(m2.getString("provider")).isEqualTo("local");
      assertThat(m2.getInteger("providers_up")).isZero();
      assertThat(m2.getString("message")).isEqualTo(
          "Every provider of m is down; only the local fallback answers (placeholder replies).");
      JsonObject text2 = two.getJsonObject("services").getJsonObject("text");
      assertThat(text2.getString("status")).as("claude still serves text").isEqualTo("degraded");
      assertThat(text2.getString("provider")).isEqualTo("claude");
      assertThat(two.getJsonObject("services").getJsonObject("image").getString("status")).isEqualTo("critical");

      maintenance(gw, "claude");
      JsonObject none = status(gw);
      assertThat(none.getJsonObject("services").getJsonObject("text").getString("status")).isEqualTo("critical");
      assertThat(none.getJsonObject("models").getJsonObject("chat").getString("message"))
          .isEqualTo("Every provider of chat is down.");
      assertThat(none.getJsonObject("models").getJsonObject("chat").getValue("provider")).isNull();

      HttpResponse<String> enabled = gw.post("/admin/providers/a/enable", null, "Authorization", "Bearer " + ADMIN);
      assertThat(enabled.statusCode()).isEqualTo(200);
      assertThat(status(gw).getJsonObject("models").getJsonObject("m").getString("status")).isEqualTo("degraded");
    }
  }

  @Test
  void onlyTheLocalProviderIsCritical() throws Exception {
    try (GatewayUnderTest gw = TestConfig.empty().provider("local", "{type: local, models: [m]}").start()) {
      JsonObject s = status(gw);
      assertThat(s.getString("status")).isEqualTo("critical");
      JsonObject text = s.getJsonObject("services").getJsonObject("text");
      assertThat(text.getString("provider")).isEqualTo("local");
      assertThat(text.getInteger("providers_total")).isZero();
      assertThat(text.getString("message"))
          .isEqualTo("No real provider is configured for text service; only the local fallback answers (placeholder replies).");
      // Readiness keeps its documented first-run answer: ready, and says it is degraded.
      HttpResponse<String> ready = gw.get("/ready");
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).contains("\"degraded\":true");
    }
  }

  @Test
  void statusCanAskForTheAdminKey() throws Exception {
    try (GatewayUnderTest gw = start("{public: false}")) {
      HttpResponse<String> anonymous = gw.get("/status");
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(FakeProvider.errorOf(anonymous).getString("code")).isEqualTo("missing_api_key");
      HttpResponse<String> admin = gw.get("/status", "Authorization", "Bearer " + ADMIN);
      assertThat(admin.statusCode()).isEqualTo(200);
      assertThat(new JsonObject(admin.body()).getString("status")).isEqualTo("healthy");
    }
  }
}
