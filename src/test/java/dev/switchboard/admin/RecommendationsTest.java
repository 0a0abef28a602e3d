package dev.switchboard.admin;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /admin/recommendations}: each piece of advice raised by a scenario that calls for it, with its evidence,
 * and absent from a gateway where everything is near, but not over, its threshold. Advice never changes routing.
 */
class RecommendationsTest {
  private static final String ADMIN = "recs-admin-key";
  private final FakeProvider a = new FakeProvider();
  private final FakeProvider b = new FakeProvider();

  @AfterEach
  void stop() {
    a.close();
    b.close();
  }

  private static void reply(FakeProvider p, int delayMillis) {
    p.stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withFixedDelay(delayMillis).withBody(FakeProvider.chatCompletion("c", "m", "ok").encode()));
  }

  private static GatewayUnderTest start(FakeProvider a, FakeProvider b, String aPrice, String aExtra, String bPrice,
                                        String bQuality, int minSamples) {
    return TestConfig.empty().adminKey(ADMIN)
        .provider("a", a, "sk-a", "{name: m, " + aPrice + "}").with("quality: 0.9", aExtra)
        .provider("b", b, "sk-b", "{name: m, " + bPrice + "}").with("quality: " + bQuality)
        .model("m", "a/m", "b/m")
        .routing("{strategy: priority, explore: 0}")
        .section("status", "{min_samples: " + minSamples + ", slow_factor: 2}")
        .start();
  }

  /** {@code n} requests served by provider {@code p} (pinned), one after the other. */
  private static void traffic(GatewayUnderTest gw, String p, int n) throws Exception {
    for (int i = 0; i < n; i++) {
      HttpResponse<String> resp = gw.chat(Requests.chat("m", "hi " + i), "x-switchboard-provider", p);
      assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    }
  }

  /**
   * {@code n} requests served by each of {@code providers} (pinned), all at once and interleaved, so whatever the
   * machine does meanwhile (a pause, a cold path, a busy core) falls on all of them alike.
   */
  private static void concurrentTraffic(GatewayUnderTest gw, int n, String... providers) {
    HttpClient http = HttpClient.newHttpClient();
    List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      for (String p : providers) {
        all.add(http.sendAsync(HttpRequest.newBuilder(URI.create(gw.baseUrl() + "/v1/chat/completions"))
            .header("Content-Type", "application/json").header("x-switchboard-provider", p)
            .POST(HttpRequest.BodyPublishers.ofString(Requests.chat("m", "hi " + i).toString())).build(),
            HttpResponse.BodyHandlers.ofString()));
      }
    }
    all.forEach(f -> assertThat(f.join().statusCode()).isEqualTo(200));
  }

  private static Map<String, JsonObject> recommendations(GatewayUnderTest gw) throws Exception {
    HttpResponse<String> resp = gw.get("/admin/recommendations", "Authorization", "Bearer " + ADMIN);
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    JsonArray data = new JsonObject(resp.body()).getJsonArray("data");
    Map<String, JsonObject> byType = new LinkedHashMap<>();
    for (int i = 0; i < data.size(); i++) {
      byType.put(data.getJsonObject(i).getString("type"), data.getJsonObject(i));
    }
    return byType;
  }

  private static void awaitServed(GatewayUnderTest gw, int requests) {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      HttpResponse<String> resp = gw.get("/admin/stats", "Authorization", "Bearer " + ADMIN);
      assertThat(new JsonObject(resp.body()).getJsonObject("window").getJsonObject("overall").getLong("requests"))
          .isEqualTo(requests);
    });
  }

  @Test
  void noAdviceWhenEverythingIsWithinItsThresholds() throws Exception {
    reply(a, 300);
    reply(b, 300);
    try (GatewayUnderTest gw = start(a, b, "input_price: 10, output_price: 30", "limits: {rpm: 100}\n    budget: {daily: 1}",
        "input_price: 1, output_price: 2", "0.5", 20)) {
      // 20 samples each: a p95 is then the 19th. Both providers' requests in flight together, each taking 300 ms
      // upstream: a stall of a loaded machine delays both alike, and it would take 300 ms more on a's slowest alone
      // to reach the slow factor of 2. (One after the other, a at 100 ms needed only two 100 ms hiccups.)
      concurrentTraffic(gw, 20, "a", "b");
      awaitServed(gw, 40);
      assertThat(recommendations(gw)).as("similar latency, headroom and budget left, the cheaper one is worse")
          .isEmpty();
    }
  }

  @Test
  void aSlowProviderIsNamedWithItsNumbers() throws Exception {
    reply(a, 1000);
    reply(b, 0);
    try (GatewayUnderTest gw = start(a, b, "input_price: 1, output_price: 1", "weight: 1",
        "input_price: 1, output_price: 1", "0.9", 20)) {
      concurrentTraffic(gw, 20, "a");
      traffic(gw, "b", 20);
      awaitServed(gw, 40);
      Map<String, JsonObject> recs = recommendations(gw);
      assertThat(recs.keySet()).containsExactly("provider_slow");
      JsonObject slow = recs.get("provider_slow");
      assertThat(slow.getString("provider")).isEqualTo("a");
      assertThat(slow.getString("model")).isEqualTo("m");
      JsonObject evidence = slow.getJsonObject("evidence");
      assertThat(evidence.getDouble("p95_ms")).isGreaterThanOrEqualTo(1000.0);
      assertThat(evidence.getString("alternative")).isEqualTo("b");
      assertThat(evidence.getLong("requests")).isEqualTo(20);
      assertThat(evidence.getLong("alternative_requests")).isEqualTo(20);
      assertThat(evidence.getDouble("ratio")).isGreaterThanOrEqualTo(2.0);
      assertThat(evidence.getLong("window_ms")).isEqualTo(3_600_000);
      assertThat(slow.getString("message")).startsWith("Provider a is slow for m: p95 ");
    }
  }

  @Test
  void eachAdviceComesWithItsEvidence() throws Exception {
    reply(a, 0);
    reply(b, 0);
    try (GatewayUnderTest gw = start(a, b, "input_price: 10, output_price: 30",
        "limits: {rpm: 3}\n    budget: {daily: 0.001}", "input_price: 1, output_price: 2", "0.9", 20)) {
      traffic(gw, "a", 3);
      traffic(gw, "b", 3);
      awaitServed(gw, 6);
      Map<String, JsonObject> recs = recommendations(gw);
      assertThat(recs.keySet()).as("too few samples to compare latencies")
          .containsExactlyInAnyOrder("cheaper_provider", "close_to_quota", "close_to_budget");

      JsonObject cheaper = recs.get("cheaper_provider").getJsonObject("evidence");
      assertThat(recs.get("cheaper_provider").getString("provider")).isEqualTo("a");
      assertThat(cheaper.getString("alternative")).isEqualTo("b");
      // Blended (3 input : 1 output) per million: a (30 + 30) / 4 = 15, b (3 + 2) / 4 = 1.25.
      assertThat(cheaper.getDouble("price_per_1m")).isEqualTo(15.0);
      assertThat(cheaper.getDouble("alternative_price_per_1m")).isEqualTo(1.25);
      assertThat(cheaper.getDouble("saving")).isEqualTo(0.917);

      JsonObject quota = recs.get("close_to_quota");
      assertThat(quota.getString("provider")).isEqualTo("a");
      assertThat(quota.getJsonObject("evidence").getDouble("headroom")).isLessThan(0.2);
      assertThat(quota.getJsonObject("evidence").getJsonObject("requests").getLong("capacity")).isEqualTo(3);

      JsonObject budget = recs.get("close_to_budget");
      assertThat(budget.getString("provider")).isEqualTo("a");
      // Three replies of 11 prompt and 7 completion tokens at 10 and 30 per million: 0.00096 of 0.001.
      assertThat(budget.getJsonObject("evidence").getDouble("spent")).isEqualTo(0.00096);
      assertThat(budget.getJsonObject("evidence").getDouble("used")).isEqualTo(0.96);
      assertThat(budget.getString("severity")).isEqualTo("warning");

      HttpResponse<String> down = gw.post("/admin/providers/a/maintenance", null, "Authorization", "Bearer " + ADMIN);
      assertThat(down.statusCode()).isEqualTo(200);
      Map<String, JsonObject> after = recommendations(gw);
      assertThat(after).containsKey("primary_down").doesNotContainKey("cheaper_provider");
      JsonObject primary = after.get("primary_down");
      assertThat(primary.getString("provider")).isEqualTo("a");
      assertThat(primary.getJsonObject("evidence").getString("serving")).isEqualTo("b");
      assertThat(primary.getJsonObject("evidence").getInteger("providers_up")).isEqualTo(1);
      assertThat(primary.getJsonObject("evidence").getInteger("providers_total")).isEqualTo(2);

      // Advice only: the alias still routes to b as before, nothing was switched.
      HttpResponse<String> served = gw.chat(Requests.chat("m", "after"));
      assertThat(served.headers().firstValue("x-switchboard-attempts")).hasValue("b:200");
    }
  }
}
