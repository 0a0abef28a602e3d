package dev.switchboard.usage;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;
import static org.awaitility.Awaitility.await;

/** Usage, cost, budgets and keys through the whole gateway, with the ledger in memory or on disk. */
class UsageGatewayTest {
  private static final String ADMIN = "admin-key-0123";
  // FakeProvider's completion reports 11 prompt and 7 completion tokens: 11*2 + 7*10 = 92 per million per request.
  private static final double COST = 92e-6;
  private final FakeProvider a = new FakeProvider();
  private final FakeProvider b = new FakeProvider();
  private GatewayUnderTest gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    a.close();
    b.close();
  }

  /** Providers a and b, both serving m at 2 / 10 per million tokens, a first; {@code aExtra} adds fields to a. */
  private TestConfig config(String usage, String aExtra) {
    String priced = "models: [{name: m, input_price: 2, output_price: 10}]";
    return TestConfig.empty().routing("{strategy: priority, explore: 0}").section("usage", usage).adminKey(ADMIN)
        .provider("a", "{base_url: \"" + a.baseUrl() + "\", api_key: sk-a, " + priced + aExtra + "}")
        .provider("b", "{base_url: \"" + b.baseUrl() + "\", api_key: sk-b, " + priced + "}");
  }

  private HttpResponse<String> chat(String key) throws Exception {
    return gateway.post("/v1/chat/completions",
        Requests.chat("m", "hi").toString(), "Authorization", "Bearer " + key);
  }

  private JsonObject admin(String method, String path, String body) throws Exception {
    HttpResponse<String> r = gateway.send(method, path, body, "Authorization", "Bearer " + ADMIN);
    return new JsonObject(r.body()).put("_status", r.statusCode());
  }

  private long ledgerRows() {
    return gateway.switchboard().services().usage().query(Ledger::count).toCompletionStage().toCompletableFuture()
        .join();
  }

  @Test
  void everyRequestIsCostedAndAKeyOverItsBudgetGetsA429() throws Exception {
    a.chatJson("hello");
    gateway = config("{persist: false, flush_interval: 50ms}", "")
        .clientKey("tight", "sk-tight-key1", "budget: {daily: 0.00015}").start();
    assertThat(chat("sk-tight-key1").statusCode()).isEqualTo(200);
    assertThat(chat("sk-tight-key1").statusCode()).isEqualTo(200);
    await().until(() -> ledgerRows() == 2);

    HttpResponse<String> refused = chat("sk-tight-key1");
    assertThat(refused.statusCode()).isEqualTo(429);
    JsonObject error = new JsonObject(refused.body()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("rate_limit_error");
    assertThat(error.getString("code")).isEqualTo("budget_exceeded");
    assertThat(refused.headers().firstValue("retry-after")).isPresent();
    assertThat(refused.headers().firstValue("x-should-retry")).hasValue("false");

    JsonObject costs = admin("GET", "/admin/costs?groupBy=key", null);
    JsonObject row = costs.getJsonArray("data").getJsonObject(0);
    assertThat(row.getString("key")).isEqualTo("tight");
    assertThat(row.getDouble("cost")).isCloseTo(2 * COST, offset(1e-9));
    assertThat(row.getLong("prompt_tokens")).isEqualTo(22);
    assertThat(admin("GET", "/admin/costs?groupBy=day", null).getJsonArray("data")).hasSize(1);
    assertThat(admin("GET", "/admin/usage/top?by=model", null).getJsonArray("data").getJsonObject(0)
        .getString("model")).isEqualTo("m");
    JsonObject budgets = admin("GET", "/admin/budgets", null);
    assertThat(budgets.getJsonArray("data").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("name").equals("tight") && o.getString("period").equals("daily")).findFirst()
        .orElseThrow().getDouble("remaining")).isZero();
    assertThat(gateway.get("/metrics").body()).contains("switchboard_cost_total{model=\"m\",provider=\"a\"}");
  }

  @Test
  void aProviderOverItsBudgetIsSkipped() throws Exception {
    a.chatJson("from a");
    b.chatJson("from b");
    gateway = config("{persist: false}", ", budget: {daily: 0.00009}").clientKey("k", "sk-any-key-12").start();
    assertThat(chat("sk-any-key-12").headers().firstValue("x-switchboard-provider")).hasValue("a");
    HttpResponse<String> second = chat("sk-any-key-12");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(second.headers().firstValue("x-switchboard-provider")).as("a spent its daily budget").hasValue("b");
  }

  @Test
  void aStreamCutShortIsStillAccountedAsAnEstimate() throws Exception {
    List<String> chunks = FakeProvider.chatChunks("c1", "m", "Hello", " there", " friend");
    // Content, then the connection ends without a usage chunk or [DONE].
    a.stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
        .withBody(FakeProvider.sse(chunks.subList(0, 3)).replace("data: [DONE]\n\n", "")));
    gateway = config("{persist: false, flush_interval: 50ms}", "").clientKey("k", "sk-any-key-12").start();
    HttpResponse<String> resp = gateway.post("/v1/chat/completions",
        Requests.chat("m", "hi").stream().toString(),
        "Authorization", "Bearer sk-any-key-12");
    assertThat(resp.body()).contains("\"error\"").endsWith("data: [DONE]\n\n");
    String id = resp.headers().firstValue("x-request-id").orElseThrow();
    await().until(() -> !gateway.switchboard().services().usage().query(l -> l.rows(id)).toCompletionStage()
        .toCompletableFuture().join().isEmpty());
    JsonObject row = gateway.switchboard().services().usage().query(l -> l.rows(id)).toCompletionStage()
        .toCompletableFuture().join().get(0);
    assertThat(row.getBoolean("estimated")).isTrue();
    assertThat(row.getLong("prompt_tokens")).isPositive();
    assertThat(row.getLong("completion_tokens")).isPositive();
    assertThat(row.getDouble("cost")).isPositive();
  }

  @Test
  void concurrentRequestsLoseNoLedgerRows() throws Exception {
    a.chatJson("hello");
    gateway = config("{persist: false, flush_interval: 20ms}", "").clientKey("k", "sk-any-key-12").start();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        calls.add(pool.submit(() -> chat("sk-any-key-12").statusCode()));
      }
      for (Future<Integer> f : calls) {
        assertThat(f.get()).isEqualTo(200);
      }
    } finally {
      pool.shutdownNow();
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> ledgerRows() == 300);
    JsonObject costs = admin("GET", "/admin/costs?groupBy=provider", null);
    assertThat(costs.getJsonArray("data").getJsonObject(0).getLong("requests")).isEqualTo(300);
    assertThat(costs.getDouble("total")).isCloseTo(300 * COST, offset(1e-9));
  }

  @Test
  void spendAndCreatedKeysSurviveARestart(@TempDir Path dir) throws Exception {
    a.chatJson("hello");
    String config = config("{data_dir: \"" + dir + "\", flush_interval: 50ms}", "")
        .clientKey("tight", "sk-tight-key1", "budget: {monthly: 0.00009}").yaml();
    gateway = GatewayUnderTest.start(config);
    assertThat(chat("sk-tight-key1").statusCode()).isEqualTo(200);
    JsonObject created = admin("POST", "/admin/keys", "{\"name\":\"made\",\"models\":[\"m\"]}");
    String secret = created.getString("key");
    gateway.close();
    gateway = null;
    assertThat(Files.list(dir)).isNotEmpty();

    gateway = GatewayUnderTest.start(config);
    HttpResponse<String> after = chat("sk-tight-key1");
    assertThat(after.statusCode()).as("the month's spend was restored from the ledger").isEqualTo(429);
    assertThat(chat(secret).statusCode()).as("the created key still works").isEqualTo(200);
    // The first run's request, then this run's refusal and served request: every request has its row.
    await().until(() -> ledgerRows() == 3);
  }

  @Test
  void aRevokedKeysBudgetGaugeGoesAndAKeyMadeAgainUnderItsNameReportsItsOwnBudget() throws Exception {
    a.chatJson("hello");
    gateway = config("{persist: false}", "").start();
    String gauge = "switchboard_budget_remaining{name=\"team-c\",period=\"monthly\",scope=\"key\"}";
    assertThat(admin("POST", "/admin/keys", "{\"name\":\"team-c\",\"budget\":{\"monthly\":5}}")
        .getInteger("_status")).isEqualTo(201);
    assertThat(gateway.get("/metrics").body()).contains(gauge + " 5.0");

    assertThat(admin("DELETE", "/admin/keys/team-c", null).getInteger("_status")).isEqualTo(200);
    assertThat(gateway.get("/metrics").body()).as("a revoked key has no budget left to report")
        .doesNotContain("name=\"team-c\"");

    assertThat(admin("POST", "/admin/keys", "{\"name\":\"team-c\",\"budget\":{\"monthly\":50}}")
        .getInteger("_status")).isEqualTo(201);
    assertThat(gateway.get("/metrics").body()).as("the new key's budget, not the revoked one's")
        .contains(gauge + " 50.0");
  }

  @Test
  void createdKeysAreShownOnceStoredHashedAndCanBeRevoked() throws Exception {
    a.chatJson("hello");
    gateway = config("{persist: false}", "").clientKey("cfg", "sk-config-key1").start();

    JsonObject created = admin("POST", "/admin/keys", "{\"name\":\"team-b\",\"models\":[\"m\"],"
        + "\"limits\":{\"rpm\":100},\"budget\":{\"monthly\":50}}");
    assertThat(created.getInteger("_status")).isEqualTo(201);
    String secret = created.getString("key");
    assertThat(secret).startsWith("sk-sb-").hasSizeGreaterThan(40);
    assertThat(admin("POST", "/admin/keys", "{\"name\":\"team-b\"}").getInteger("_status")).isEqualTo(409);
    assertThat(admin("POST", "/admin/keys", "{\"name\":\"bad name!\"}").getInteger("_status")).isEqualTo(400);

    HttpResponse<String> ok = chat(secret);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("x-ratelimit-limit-requests")).as("its own limits apply").hasValue("100");
    HttpResponse<String> other = gateway.post("/v1/chat/completions",
        Requests.chat("other", "hi").toString(), "Authorization",
        "Bearer " + secret);
    assertThat(other.statusCode()).isIn(403, 404);

    JsonObject list = admin("GET", "/admin/keys", null);
    assertThat(list.encode()).doesNotContain(secret).doesNotContain("sk-config-key1");
    JsonArray data = list.getJsonArray("data");
    assertThat(data.stream().map(o -> ((JsonObject) o).getString("name"))).containsExactly("cfg", "team-b");
    List<JsonObject> stored = gateway.switchboard().services().usage().query(Ledger::keys).toCompletionStage()
        .toCompletableFuture().join();
    assertThat(stored).singleElement().satisfies(k -> {
      assertThat(k.encode()).doesNotContain(secret);
      assertThat(k.getString("hash")).isEqualTo(ClientKeys.hash(secret));
    });

    assertThat(admin("DELETE", "/admin/keys/cfg", null).getInteger("_status")).as("config keys live in config")
        .isEqualTo(409);
    assertThat(admin("DELETE", "/admin/keys/team-b", null).getInteger("_status")).isEqualTo(200);
    assertThat(chat(secret).statusCode()).isEqualTo(401);
  }

  @Test
  void revokingTheLastCreatedKeyLocksTheGatewayInsteadOfOpeningIt() throws Exception {
    a.chatJson("hello");
    gateway = GatewayUnderTest.start("""
        auth:
          admin_key: %s
        providers:
          a: {base_url: "%s", api_key: sk-a, models: [m]}
        """.formatted(ADMIN, a.baseUrl()));
    assertThat(chat("anything-goes").statusCode()).as("no key yet: open").isEqualTo(200);
    String secret = admin("POST", "/admin/keys", "{\"name\":\"only\"}").getString("key");
    assertThat(chat("anything-goes").statusCode()).isEqualTo(401);
    assertThat(chat(secret).statusCode()).isEqualTo(200);
    assertThat(admin("DELETE", "/admin/keys/only", null).getInteger("_status")).isEqualTo(200);
    assertThat(chat("anything-goes").statusCode()).as("still closed after the last key is revoked").isEqualTo(401);
  }

  @Test
  void aTopListsLimitIsClampedToItsRangeWhateverTheNumber() throws Exception {
    a.chatJson("hello");
    gateway = config("{persist: false, flush_interval: 20ms}", "").clientKey("k", "sk-any-key-12").start();
    assertThat(chat("sk-any-key-12").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> ledgerRows() == 1);

    JsonObject huge = admin("GET", "/admin/usage/top?by=key&limit=99999999999", null);
    assertThat(huge.getInteger("_status")).as("a number above 1000 is 1000, as one below 1 is 1").isEqualTo(200);
    assertThat(huge.getJsonArray("data")).hasSize(1);
    assertThat(admin("GET", "/admin/usage/top?by=key&limit=-4", null).getJsonArray("data")).hasSize(1);
    JsonObject words = admin("GET", "/admin/usage/top?by=key&limit=ten", null);
    assertThat(words.getInteger("_status")).isEqualTo(400);
    assertThat(words.getJsonObject("error").getString("param")).isEqualTo("limit");
  }

  @Test
  void createdKeyLimitsAreValidatedLikeConfigLimits() throws Exception {
    gateway = config("{persist: false}", "").clientKey("k", "sk-any-key-12").start();
    assertThat(admin("POST", "/admin/keys", "{\"name\":\"x\",\"limits\":{\"rpm\":60,\"burst_requests\":0}}")
        .getInteger("_status")).isEqualTo(400);
    assertThat(admin("POST", "/admin/keys", "{\"name\":\"y\",\"priority\":1000}").getInteger("_status"))
        .isEqualTo(400);
    assertThat(admin("GET", "/admin/usage/top?from=yesterday", null).getInteger("_status")).isEqualTo(400);
  }
}
