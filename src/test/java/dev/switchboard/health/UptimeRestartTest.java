package dev.switchboard.health;

import dev.switchboard.config.Clocks;
import dev.switchboard.testing.FakeClock;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /admin/uptime} from health transitions stamped on the gateway's (here: a moved) wall clock and kept in the
 * data directory: a restarted gateway still knows the hours before, and the hours it was not running count neither
 * as up nor as down.
 */
class UptimeRestartTest {
  private static final String ADMIN = "uptime-admin-key";
  private final FakeProvider upstream = new FakeProvider();
  private final FakeClock clock = new FakeClock();

  @AfterEach
  void stop() {
    upstream.close();
  }

  private String yaml(Path dir) {
    return "auth: {admin_key: " + ADMIN + "}\n"
        + "usage: {data_dir: \"" + dir.toAbsolutePath() + "\"}\n"
        + "health: {enabled: true, interval: 1h, jitter: 0, down_after: 1, recover_after: 1}\n"
        + "providers:\n" + upstream.providerYaml("p", "sk-p", "m");
  }

  private void models(int status) {
    upstream.server().stubFor(get(urlPathEqualTo("/v1/models")).willReturn(aResponse().withStatus(status)
        .withHeader("Content-Type", "application/json").withBody("{\"object\":\"list\",\"data\":[]}")));
  }

  private static String state(GatewayUnderTest gw) throws Exception {
    HttpResponse<String> resp = gw.get("/admin/providers/p", "Authorization", "Bearer " + ADMIN);
    return new JsonObject(resp.body()).getJsonObject("health").getString("state");
  }

  private static JsonObject uptime(GatewayUnderTest gw) throws Exception {
    HttpResponse<String> resp = gw.get("/admin/uptime", "Authorization", "Bearer " + ADMIN);
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    return new JsonObject(resp.body()).getJsonObject("providers").getJsonObject("p");
  }

  @Test
  void uptimeSurvivesARestart() throws Exception {
    Files.createDirectories(Path.of("target", "test-data"));
    Path dir = Files.createTempDirectory(Path.of("target", "test-data"), "uptime-");
    models(200);
    try (GatewayUnderTest gw = GatewayUnderTest.start(yaml(dir), Clocks.withWall(clock))) {
      await().atMost(Duration.ofSeconds(20)).until(() -> state(gw).equals("healthy"));
      assertThat(uptime(gw).getValue("24h")).as("no time has passed: nothing known yet").isNull();
      clock.advance(Duration.ofHours(1));
      // The transition reaches the history over the event bus, stamped where it happened: wait for it, not for time.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(uptime(gw).getDouble("24h"))
          .isEqualTo(100.0));

      models(500);
      HttpResponse<String> probe = gw.post("/admin/providers/p/probe", null, "Authorization", "Bearer " + ADMIN);
      assertThat(probe.statusCode()).as(probe.body()).isEqualTo(200);
      assertThat(state(gw)).isEqualTo("down");
      clock.advance(Duration.ofHours(1));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(uptime(gw).getDouble("24h")).isEqualTo(50.0));
    }

    clock.advance(Duration.ofHours(10));
    try (GatewayUnderTest again = GatewayUnderTest.start(yaml(dir), Clocks.withWall(clock))) {
      assertThat(uptime(again).getDouble("24h")).as("the hours before the restart, from disk").isEqualTo(50.0);
      await().atMost(Duration.ofSeconds(20)).until(() -> state(again).equals("down"));
      clock.advance(Duration.ofHours(1));
      // 1 h up, 1 h down before; 10 h not running; 1 h down since.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        JsonObject u = uptime(again);
        assertThat(u.getDouble("24h")).isEqualTo(33.333);
        assertThat(u.getDouble("7d")).isEqualTo(33.333);
        assertThat(u.getDouble("30d")).isEqualTo(33.333);
      });
    }
  }
}
