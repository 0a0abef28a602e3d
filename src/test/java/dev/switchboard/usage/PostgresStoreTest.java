package dev.switchboard.usage;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.PostgresProcess;
import dev.switchboard.testing.PostgresServer;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two gateway instances on one PostgreSQL ({@code usage.store: postgres}) act as one gateway: keys, ledger and
 * reports are shared, and an outage of the database loses no row and counts none twice.
 */
class PostgresStoreTest {
  private static final String ADMIN = "admin-key-0123";
  private static final AtomicInteger DATABASES = new AtomicInteger();
  @RegisterExtension
  static final PostgresServer PG = new PostgresServer();

  private final FakeProvider upstream = new FakeProvider();
  private final List<GatewayUnderTest> gateways = new ArrayList<>();
  private String database;
  private PostgresProcess db;

  @BeforeEach
  void setUp() {
    upstream.chatJson("hello");
    database = "t" + DATABASES.incrementAndGet();
    db = PG.process();
    db.newDatabase(database);
  }

  @AfterEach
  void tearDown() {
    gateways.forEach(g -> {
      try {
        g.close();
      } catch (RuntimeException ignored) {
        // stopped by the test
      }
    });
    upstream.close();
  }

  private GatewayUnderTest gateway(String... postgresFields) throws Exception {
    Path spill = Files.createTempDirectory(Path.of("target"), "spill-");
    return gateway(spill, postgresFields);
  }

  private GatewayUnderTest gateway(Path spill, String... postgresFields) {
    String yaml = TestConfig.empty().adminKey(ADMIN).clientKey("team", "sk-team-key-1")
        .provider("up", "{base_url: \"" + upstream.baseUrl() + "\", api_key: sk-up, "
            + "models: [{name: m, input_price: 2, output_price: 10}]}")
        .postgres(db, spill, postgresFields).yaml()
        .replace(db.url(), db.url().replaceFirst("/postgres$", "/" + database));
    GatewayUnderTest g = GatewayUnderTest.start(yaml);
    gateways.add(g);
    return g;
  }

  private String sql(String statement) {
    return db.sql(database, statement);
  }

  private static JsonObject admin(GatewayUnderTest g, String method, String path, String body) throws Exception {
    HttpResponse<String> r = g.send(method, path, body, "Authorization", "Bearer " + ADMIN);
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
    return new JsonObject(r.body());
  }

  private static int chat(GatewayUnderTest g, String key) throws Exception {
    return g.post("/v1/chat/completions", Requests.chat("m", "hi").toString(), "Authorization", "Bearer " + key)
        .statusCode();
  }

  @Test
  void aKeyCreatedOnOneInstanceWorksOnTheOtherAndARevocationStopsItThere() throws Exception {
    // The periodic refresh is an hour away: only LISTEN/NOTIFY can carry the change in time.
    GatewayUnderTest a = gateway("key_refresh: 1h");
    GatewayUnderTest b = gateway("key_refresh: 1h");
    String secret = admin(a, "POST", "/admin/keys", "{\"name\":\"made-on-a\",\"models\":[\"m\"]}").getString("key");

    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
        .until(() -> chat(b, secret) == 200);
    assertThat(admin(b, "GET", "/admin/keys", null).getJsonArray("data").stream()
        .map(k -> ((JsonObject) k).getString("name"))).contains("made-on-a");

    admin(a, "DELETE", "/admin/keys/made-on-a", null);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
        .until(() -> chat(b, secret) == 401);
    assertThat(chat(a, secret)).isEqualTo(401);
  }

  @Test
  void aThousandRequestsOverTwoInstancesMakeAThousandRowsAndOneCostReport() throws Exception {
    GatewayUnderTest a = gateway();
    GatewayUnderTest b = gateway();
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> sent = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        GatewayUnderTest g = i % 2 == 0 ? a : b;
        sent.add(clients.submit(() -> chat(g, "sk-team-key-1")));
      }
      for (Future<Integer> f : sent) {
        assertThat(f.get()).isEqualTo(200);
      }
    } finally {
      clients.shutdownNow();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> sql("SELECT COUNT(*) FROM ledger").equals("1000"));
    assertThat(sql("SELECT COUNT(DISTINCT request_id) FROM ledger")).isEqualTo("1000");

    JsonObject fromA = admin(a, "GET", "/admin/costs?groupBy=key", null);
    JsonObject fromB = admin(b, "GET", "/admin/costs?groupBy=key", null);
    assertThat(fromA.getJsonArray("data").getJsonObject(0).getLong("requests")).isEqualTo(1000);
    assertThat(fromA.getJsonArray("data")).isEqualTo(fromB.getJsonArray("data"));
    assertThat(fromA.getDouble("total")).isEqualTo(fromB.getDouble("total")).isPositive();
    JsonObject top = admin(b, "GET", "/admin/usage/top?by=provider", null);
    assertThat(top.getJsonArray("data").getJsonObject(0).getLong("requests")).isEqualTo(1000);
  }

  @Test
  void aNameTakenOnAnotherInstanceBeforeItsNoticeArrivesIs409NotAServerError() throws Exception {
    GatewayUnderTest b = gateway("key_refresh: 1h");
    // What another instance's create leaves before its NOTIFY reaches b: the row, and nothing in b's memory.
    sql("INSERT INTO api_keys (name, hash, spec, created) VALUES ('taken', 'abc', '{}', 1)");

    HttpResponse<String> r = b.send("POST", "/admin/keys", "{\"name\":\"taken\"}", "Authorization",
        "Bearer " + ADMIN);

    assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("key_exists");
    assertThat(error.getString("param")).isEqualTo("name");
    assertThat(error.getString("message")).doesNotContain("23505");
  }

  @Test
  void monthToDateAndKeySpendAreClusterWideOnEveryInstance() throws Exception {
    GatewayUnderTest a = gateway();
    GatewayUnderTest b = gateway();
    for (int i = 0; i < 4; i++) {
      assertThat(chat(i % 2 == 0 ? a : b, "sk-team-key-1")).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> sql("SELECT COUNT(*) FROM ledger").equals("4"));

    for (GatewayUnderTest g : List.of(a, b)) {
      JsonObject costs = admin(g, "GET", "/admin/costs?groupBy=key", null);
      double total = costs.getDouble("total");
      assertThat(total).isPositive();
      assertThat(costs.getDouble("month_to_date")).as("this month so far is everyone's spend, as the total")
          .isCloseTo(total, org.assertj.core.data.Offset.offset(1e-6));
      JsonObject spent = admin(g, "GET", "/admin/keys", null).getJsonArray("data").getJsonObject(0)
          .getJsonObject("spent");
      assertThat(List.of(spent.getDouble("daily"), spent.getDouble("weekly"), spent.getDouble("monthly")))
          .as("a key's spend counts the requests every instance served").allSatisfy(d -> assertThat(d)
              .isCloseTo(total, org.assertj.core.data.Offset.offset(1e-9)));
    }
  }

  @Test
  void endUsersAreRecordedAndGroupedClusterWide() throws Exception {
    GatewayUnderTest a = gateway();
    GatewayUnderTest b = gateway();
    for (int i = 0; i < 3; i++) {
      GatewayUnderTest g = i % 2 == 0 ? a : b;
      assertThat(g.post("/v1/chat/completions", Requests.chat("m", "hi").with("user", "alice").toString(),
          "Authorization", "Bearer sk-team-key-1").statusCode()).isEqualTo(200);
    }
    assertThat(b.post("/v1/chat/completions", Requests.chat("m", "hi").toString(), "Authorization",
        "Bearer sk-team-key-1", "x-switchboard-user", "bob").statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(30)).until(() -> sql("SELECT COUNT(*) FROM ledger").equals("4"));

    assertThat(sql("SELECT COUNT(*) FROM ledger WHERE end_user = 'alice'")).isEqualTo("3");
    JsonObject byUser = admin(a, "GET", "/admin/costs?groupBy=user", null);
    assertThat(byUser.getJsonArray("data").stream().map(r -> ((JsonObject) r).getString("user") + "="
        + ((JsonObject) r).getLong("requests"))).containsExactly("alice=3", "bob=1");
    JsonObject top = admin(b, "GET", "/admin/usage/top?by=user&limit=1", null);
    assertThat(top.getJsonArray("data").getJsonObject(0).getString("user")).isEqualTo("alice");
  }

  @Test
  void anOutageKeepsServingSpillsAndReplaysEveryRowOnce() throws Exception {
    // A small memory bound, so the outage reaches the spill file.
    GatewayUnderTest a = gateway("max_queued_rows: 100");
    int sent = 0;
    for (int i = 0; i < 50; i++, sent++) {
      assertThat(chat(a, "sk-team-key-1")).isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> sql("SELECT COUNT(*) FROM ledger").equals("50"));

    db.stop();
    for (int i = 0; i < 300; i++, sent++) {
      assertThat(chat(a, "sk-team-key-1")).as("requests keep succeeding while PostgreSQL is down").isEqualTo(200);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> state(a).getLong("spilled_rows") > 0);
    assertThat(state(a).getBoolean("up")).isFalse();
    assertThat(a.get("/ready").statusCode()).as("a held ledger is no reason to refuse traffic").isEqualTo(200);

    db.restart();
    int total = sent;
    await().atMost(Duration.ofSeconds(30))
        .until(() -> sql("SELECT COUNT(*) FROM ledger").equals(Integer.toString(total)));
    await().atMost(Duration.ofSeconds(10)).until(() -> state(a).getLong("spilled_rows") == 0
        && state(a).getLong("pending_rows") == 0 && state(a).getBoolean("up"));
    assertThat(sql("SELECT COUNT(DISTINCT request_id) FROM ledger")).isEqualTo(Integer.toString(total));
    assertThat(a.get("/metrics").body()).contains("switchboard_ledger_store_up{store=\"postgres\"} 1.0");
  }

  @Test
  void anInstanceStoppedDuringAnOutageReplaysItsSpillWhenItStartsAgain() throws Exception {
    Path spill = Files.createTempDirectory(Path.of("target"), "spill-");
    GatewayUnderTest a = gateway(spill);
    db.stop();
    for (int i = 0; i < 40; i++) {
      assertThat(chat(a, "sk-team-key-1")).isEqualTo(200);
    }
    a.close();
    gateways.remove(a);
    try (var files = Files.list(spill)) {
      assertThat(files.count()).as("the rows PostgreSQL never took are on disk").isPositive();
    }

    db.restart();
    GatewayUnderTest again = gateway(spill);
    await().atMost(Duration.ofSeconds(30)).until(() -> sql("SELECT COUNT(*) FROM ledger").equals("40"));
    await().atMost(Duration.ofSeconds(10)).until(() -> state(again).getLong("spilled_rows") == 0);
    try (var files = Files.list(spill)) {
      assertThat(files.count()).isZero();
    }
  }

  private static JsonObject state(GatewayUnderTest g) {
    return g.switchboard().services().usage().storeState();
  }
}
