package dev.switchboard.server;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** /metrics names client keys and spend: who may read it, on which port (README: Metrics). */
class MetricsAccessTest {
  private static final String CLIENT_KEY = "sb-metrics-client-key-1";
  private static final String ADMIN_KEY = "sb-metrics-admin-key-1";

  private static String yaml(String host, String adminKey, String metrics) {
    TestConfig config = TestConfig.empty().server("host: \"" + host + "\"", "shutdown_grace: 1s")
        .clientKey("team-secret-name", CLIENT_KEY, "budget: {daily: 5}").adminKey(adminKey)
        .provider("local", "{type: local, models: [m]}");
    return (metrics.isEmpty() ? config : config.section("metrics", metrics)).yaml();
  }

  private static void chat(GatewayUnderTest gw) throws Exception {
    HttpResponse<String> resp = gw.post("/v1/chat/completions",
        Requests.chat("m", "hi").toString(),
        "Authorization", "Bearer " + CLIENT_KEY);
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
  }

  @Test
  void beyondLoopbackWithoutAnAdminKeyMetricsAreRefused() throws Exception {
    try (GatewayUnderTest gw = GatewayUnderTest.start(yaml("0.0.0.0", "", ""))) {
      chat(gw);
      HttpResponse<String> resp = gw.get("/metrics");

      assertThat(resp.statusCode()).isEqualTo(403);
      assertThat(FakeProvider.errorOf(resp).getString("code")).isEqualTo("metrics_need_admin_key");
      assertThat(FakeProvider.errorOf(resp).getString("message")).contains("auth.admin_key", "metrics.port");
      assertThat(resp.body()).doesNotContain("team-secret-name", "switchboard_");
    }
  }

  @Test
  void beyondLoopbackMetricsNeedTheAdminKey() throws Exception {
    try (GatewayUnderTest gw = GatewayUnderTest.start(yaml("0.0.0.0", ADMIN_KEY, ""))) {
      chat(gw);

      HttpResponse<String> none = gw.get("/metrics");
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(FakeProvider.errorOf(none).getString("code")).isEqualTo("missing_api_key");
      HttpResponse<String> client = gw.get("/metrics", "Authorization", "Bearer " + CLIENT_KEY);
      assertThat(client.statusCode()).as("a client key is not the admin key").isEqualTo(401);
      assertThat(client.body()).doesNotContain("team-secret-name");

      HttpResponse<String> admin = gw.get("/metrics", "Authorization", "Bearer " + ADMIN_KEY);
      assertThat(admin.statusCode()).isEqualTo(200);
      assertThat(admin.body()).contains("switchboard_requests_total", "team-secret-name");
    }
  }

  @Test
  void onLoopbackMetricsAreOpenUnlessTheAdminKeyIsAskedFor() throws Exception {
    try (GatewayUnderTest gw = GatewayUnderTest.start(yaml("127.0.0.1", ADMIN_KEY, ""))) {
      assertThat(gw.get("/metrics").statusCode()).isEqualTo(200);
    }
    try (GatewayUnderTest gw = GatewayUnderTest.start(yaml("127.0.0.1", ADMIN_KEY, "{auth: admin_key}"))) {
      assertThat(gw.get("/metrics").statusCode()).isEqualTo(401);
      assertThat(gw.get("/metrics", "Authorization", "Bearer " + ADMIN_KEY).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aMetricsPortOfItsOwnServesThemThereAndNotOnTheApiPort() throws Exception {
    int metricsPort;
    try (ServerSocket s = new ServerSocket(0)) {
      metricsPort = s.getLocalPort();
    }
    try (GatewayUnderTest gw = GatewayUnderTest.start(yaml("0.0.0.0", "", "{port: " + metricsPort + "}"))) {
      chat(gw);
      assertThat(gw.get("/metrics").statusCode()).as("not on the API port").isEqualTo(404);

      HttpResponse<String> own = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(own.statusCode()).isEqualTo(200);
      assertThat(own.body()).contains("switchboard_requests_total");
    }
  }
}
