package dev.switchboard.admin;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * {@code /admin/stats} through the real gateway: requests, successes, failovers, latency and cost overall, per
 * provider and per service, for the window and since a reset; {@code POST /admin/stats/reset} starts the second
 * again.
 */
class StatsGatewayTest {
  private static final String ADMIN = "stats-admin-key";
  private final FakeProvider a = new FakeProvider();
  private final FakeProvider b = new FakeProvider();

  @AfterEach
  void stop() {
    a.close();
    b.close();
  }

  private static JsonObject stats(GatewayUnderTest gw) throws Exception {
    HttpResponse<String> resp = gw.get("/admin/stats", "Authorization", "Bearer " + ADMIN);
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    return new JsonObject(resp.body());
  }

  @Test
  void countsFailoversSuccessesAndCostAndResets() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "overloaded");
    b.chatJson("from b");
    b.stub(post(urlPathEqualTo("/v1/chat/completions")).withRequestBody(containing("please fail")).atPriority(1)
        .willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
            .withBody(FakeProvider.errorBody("invalid_request_error", "bad", "no").encode())));
    b.stub("/embeddings", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withBody("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.1]}],"
            + "\"model\":\"e\",\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}"));
    try (GatewayUnderTest gw = TestConfig.empty().adminKey(ADMIN)
        .provider("a", a, "sk-a", "m")
        .provider("b", b, "sk-b", "{name: m, input_price: 1, output_price: 2}", "{name: e, input_price: 1, output_price: 0}")
        .model("m", "a/m", "b/m")
        .routing("{strategy: priority, explore: 0}")
        .start()) {
      assertThat(gw.chat(Requests.chat("m", "hi")).statusCode()).isEqualTo(200);
      assertThat(gw.chat(Requests.chat("m", "hi again")).statusCode()).isEqualTo(200);
      HttpResponse<String> refused = gw.chat(Requests.chat("m", "please fail"));
      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(refused.headers().firstValue("x-switchboard-attempts")).hasValue("a:503,b:400");
      HttpResponse<String> embedded = gw.post("/v1/embeddings", "{\"model\":\"e\",\"input\":\"x\"}");
      assertThat(embedded.statusCode()).as(embedded.body()).isEqualTo(200);

      // Finish listeners run as the reply ends, which may be just after the client has it.
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(stats(gw).getJsonObject("window")
          .getJsonObject("overall").getLong("requests")).isEqualTo(4));
      JsonObject stats = stats(gw);
      assertThat(stats.getString("currency")).isEqualTo("USD");
      for (String view : new String[] {"window", "since_reset"}) {
        JsonObject v = stats.getJsonObject(view);
        JsonObject all = v.getJsonObject("overall");
        assertThat(all.getLong("requests")).as(view).isEqualTo(4);
        assertThat(all.getLong("successes")).isEqualTo(3);
        assertThat(all.getDouble("success_rate")).isEqualTo(0.75);
        assertThat(all.getLong("failovers")).isEqualTo(3);
        assertThat(all.getDouble("latency_avg_ms")).isNotNull();
        assertThat(all.getDouble("latency_p95_ms")).isGreaterThanOrEqualTo(all.getDouble("latency_avg_ms") * 0.9);
        // Two chat replies of 11 prompt and 7 completion tokens at 1 and 2 per million; 4 embedded tokens at 1.
        assertThat(all.getDouble("cost")).isCloseTo(2 * (11 + 14) / 1e6 + 4 / 1e6, within(1e-9));
        JsonObject pa = v.getJsonObject("providers").getJsonObject("a");
        assertThat(pa.getLong("requests")).isZero();
        assertThat(pa.getLong("failovers")).as("moved on from a three times").isEqualTo(3);
        JsonObject pb = v.getJsonObject("providers").getJsonObject("b");
        assertThat(pb.getLong("requests")).isEqualTo(4);
        assertThat(pb.getLong("successes")).isEqualTo(3);
        JsonObject text = v.getJsonObject("services").getJsonObject("text");
        assertThat(text.getLong("requests")).isEqualTo(3);
        assertThat(text.getLong("successes")).isEqualTo(2);
        assertThat(v.getJsonObject("services").getJsonObject("embeddings").getLong("failovers")).isZero();
      }

      HttpResponse<String> reset = gw.post("/admin/stats/reset", null, "Authorization", "Bearer " + ADMIN);
      assertThat(reset.statusCode()).as(reset.body()).isEqualTo(200);
      JsonObject after = new JsonObject(reset.body());
      assertThat(after.getJsonObject("since_reset").getJsonObject("overall").getLong("requests")).isZero();
      assertThat(after.getJsonObject("window").getJsonObject("overall").getLong("requests")).isEqualTo(4);

      b.chatJson("from b");
      assertThat(gw.chat(Requests.chat("m", "hi"), "x-switchboard-provider", "b").statusCode()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(stats(gw).getJsonObject("since_reset")
          .getJsonObject("overall").getLong("requests")).isEqualTo(1));
      JsonObject since = stats(gw).getJsonObject("since_reset");
      assertThat(since.getJsonObject("overall").getLong("requests")).isEqualTo(1);
      assertThat(since.getJsonObject("overall").getLong("failovers")).isZero();
      assertThat(since.getJsonObject("providers").getJsonObject("b").getLong("requests")).isEqualTo(1);
    }
  }

  @Test
  void statsNeedTheAdminKey() throws Exception {
    try (GatewayUnderTest gw = TestConfig.empty().adminKey(ADMIN).provider("local", "{type: local, models: [m]}")
        .start()) {
      assertThat(gw.get("/admin/stats").statusCode()).isEqualTo(401);
      assertThat(gw.post("/admin/stats/reset", null).statusCode()).isEqualTo(401);
      assertThat(gw.get("/admin/stats", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
    }
  }
}
