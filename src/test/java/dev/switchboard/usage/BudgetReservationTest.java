package dev.switchboard.usage;

import dev.switchboard.config.Clocks;
import dev.switchboard.testing.FakeClock;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.PostgresProcess;
import dev.switchboard.testing.RedisProcess;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A key budget shared by two instances is held to one request's cost: each request reserves its estimated cost in
 * Redis before it goes upstream and settles the actual cost when it finishes.
 */
class BudgetReservationTest {
  /** The fake's reply: 11 prompt + 7 completion tokens at 2 / 10 per million = 92 millionths. */
  private static final double COST = 0.000092;
  private static final double BUDGET = 0.001;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final FakeProvider upstream = new FakeProvider();
  private final List<GatewayUnderTest> gateways = new ArrayList<>();
  private final FakeClock clock = new FakeClock();
  private RedisProcess redis;
  private PostgresProcess pg;

  @BeforeEach
  void redis() {
    Assumptions.assumeTrue(RedisProcess.find().isPresent(), "redis-server is not installed (.ci/run installs it)");
    redis = RedisProcess.start();
  }

  @AfterEach
  void stop() {
    gateways.forEach(GatewayUnderTest::close);
    upstream.close();
    if (redis != null) {
      redis.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  private void slowReplies() {
    // Slow enough that requests sent together are in flight together.
    upstream.stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "application/json")
        .withFixedDelay(300).withBody(FakeProvider.chatCompletion("chatcmpl-test", "m", "hello").encode()));
  }

  private TestConfig config() {
    return TestConfig.empty().clientKey("team", "sk-team-key-1", "budget: {daily: " + BUDGET + "}").redis(redis)
        .provider("up", "{base_url: \"" + upstream.baseUrl() + "\", api_key: sk-up, "
            + "models: [{name: m, input_price: 2, output_price: 10}]}");
  }

  private GatewayUnderTest gateway(TestConfig config) {
    GatewayUnderTest g = config.start(Clocks.withWall(clock));
    gateways.add(g);
    return g;
  }

  private static HttpResponse<String> chat(GatewayUnderTest g, int maxTokens) throws Exception {
    return g.post("/v1/chat/completions", Requests.chat("m", "hi").with("max_tokens", maxTokens).toString(),
        "Authorization", "Bearer sk-team-key-1");
  }

  private static UsageService usage(GatewayUnderTest g) {
    return g.switchboard().services().usage();
  }

  @Test
  void twoInstancesTakingTurnsNeverOverspendByMoreThanOneRequest() throws Exception {
    slowReplies();
    concurrentRequestsStayWithinOneRequestOfTheBudget(gateway(config()), gateway(config()));
  }

  @Test
  void twoInstancesOnPostgresNeverOverspendByMoreThanOneRequest() throws Exception {
    Assumptions.assumeTrue(PostgresProcess.find().isPresent(), "PostgreSQL is not installed (.ci/run installs it)");
    pg = PostgresProcess.start();
    String database = "r" + DATABASES.incrementAndGet();
    pg.newDatabase(database);
    slowReplies();
    GatewayUnderTest[] two = new GatewayUnderTest[2];
    for (int i = 0; i < 2; i++) {
      String yaml = config().postgres(pg, Files.createTempDirectory(Path.of("target"), "spill-")).yaml()
          .replace(pg.url(), pg.url().replaceFirst("/postgres$", "/" + database));
      two[i] = GatewayUnderTest.start(yaml, Clocks.withWall(clock));
      gateways.add(two[i]);
    }
    concurrentRequestsStayWithinOneRequestOfTheBudget(two[0], two[1]);
  }

  private void concurrentRequestsStayWithinOneRequestOfTheBudget(GatewayUnderTest one, GatewayUnderTest two)
      throws Exception {
    // 40 requests of 92 millionths each against a budget of 1000 millionths, all at once across both instances.
    ExecutorService pool = Executors.newFixedThreadPool(16);
    List<Future<HttpResponse<String>>> replies = new ArrayList<>();
    try {
      for (int i = 0; i < 40; i++) {
        GatewayUnderTest g = i % 2 == 0 ? one : two;
        // Some share a request id (the client's x-request-id): each still settles its own hold.
        String requestId = i % 4 == 0 ? "same-id" : "req-" + i;
        replies.add(pool.submit(() -> g.post("/v1/chat/completions",
            Requests.chat("m", "hi").with("max_tokens", 10).toString(),
            "Authorization", "Bearer sk-team-key-1", "x-request-id", requestId)));
      }
      int served = 0;
      for (Future<HttpResponse<String>> f : replies) {
        HttpResponse<String> r = f.get();
        if (r.statusCode() == 200) {
          served++;
        } else {
          assertThat(r.statusCode()).isEqualTo(429);
          assertThat(FakeProvider.errorOf(r).getString("code")).isEqualTo("budget_exceeded");
        }
      }
      // Exactly the served ones went upstream; what they cost stays within one request of the budget.
      assertThat(upstream.server().getAllServeEvents()).hasSize(served);
      assertThat(served).isPositive();
      assertThat(served * COST).isLessThanOrEqualTo(BUDGET + COST + 1e-12);
      // Every hold is settled: the shared spend is exactly what was served, nothing stays held.
      int expected = served;
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        assertThat(usage(one).reservationsHeld() + usage(two).reservationsHeld()).isZero();
        assertThat(redis.command("KEYS", "*held:*")).doesNotContain("held:");
        assertThat(Double.parseDouble(redis.command("GET", spendKey()))).isCloseTo(expected * COST,
            org.assertj.core.data.Offset.offset(1e-9));
      });
    } finally {
      pool.shutdownNow();
    }
  }

  private String spendKey() throws Exception {
    String keys = redis.command("KEYS", "*spend:key|team|DAILY|*");
    return keys.lines().filter(l -> l.contains("spend:")).findFirst().orElseThrow().trim();
  }

  @Test
  void aCrashedInstancesHoldLapsesAfterItsTtl() throws Exception {
    upstream.chatJson("hello");
    GatewayUnderTest g = gateway(config().section("usage", "{persist: false, reservation_ttl: 5m}"));
    // What an instance that crashed mid-request leaves behind: a hold of the whole budget that nobody settles.
    String counter = "key|team|DAILY|" + LocalDate.now(ZoneOffset.UTC);
    String prefix = "switchboard:";
    redis.command("HSET", prefix + "held:" + counter, "crashed-request", Double.toString(BUDGET - 0.0005),
        "_sum", Double.toString(BUDGET - 0.0005));
    redis.command("ZADD", prefix + "heldx:" + counter, Long.toString(clock.millis() + 300_000), "crashed-request");
    HttpResponse<String> refused = chat(g, 100);
    assertThat(refused.statusCode()).isEqualTo(429);
    JsonObject error = FakeProvider.errorOf(refused);
    assertThat(error.getString("code")).isEqualTo("budget_exceeded");
    assertThat(error.getString("message")).contains("held by its requests in flight");
    assertThat(upstream.server().getAllServeEvents()).isEmpty();
    // Past its ttl the hold is swept by the next reservation, and the key may spend again.
    clock.advance(Duration.ofMinutes(5).plusSeconds(1));
    assertThat(chat(g, 100).statusCode()).isEqualTo(200);
    assertThat(upstream.server().getAllServeEvents()).hasSize(1);
  }

  @Test
  void streamsSettleTheirActualCostAndFailuresReleaseTheirHold() throws Exception {
    GatewayUnderTest g = gateway(config());
    upstream.stub("/chat/completions", aResponse().withStatus(200).withHeader("Content-Type", "text/event-stream")
        .withFixedDelay(1_000).withBody(FakeProvider.sse(FakeProvider.chatChunks("c1", "m", "hel", "lo"))));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<HttpResponse<String>> streamed = pool.submit(() -> g.post("/v1/chat/completions",
          Requests.chat("m", "hi").with("max_tokens", 10).stream().toString(),
          "Authorization", "Bearer sk-team-key-1"));
      // While the stream runs, its estimate is held in Redis...
      await().atMost(Duration.ofSeconds(10)).until(() -> redis.command("KEYS", "*held:*").contains("held:"));
      assertThat(streamed.get().statusCode()).isEqualTo(200);
      // ...and once it ends, the hold is replaced by the stream's cost (counted, as it reported no usage).
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(usage(g).reservationsHeld()).isZero();
        assertThat(redis.command("KEYS", "*held:*")).doesNotContain("held:");
        assertThat(Double.parseDouble(redis.command("GET", spendKey()))).isPositive().isLessThan(0.000116);
      });
      double afterStream = Double.parseDouble(redis.command("GET", spendKey()));

      upstream.server().resetAll();
      upstream.stub("/chat/completions", aResponse().withStatus(500).withHeader("Content-Type", "application/json")
          .withFixedDelay(1_000).withBody(FakeProvider.errorBody("server_error", null, "boom").encode()));
      Future<HttpResponse<String>> failed = pool.submit(() -> chat(g, 10));
      await().atMost(Duration.ofSeconds(10)).until(() -> redis.command("KEYS", "*held:*").contains("held:"));
      assertThat(failed.get().statusCode()).isGreaterThanOrEqualTo(500);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(usage(g).reservationsHeld()).isZero();
        assertThat(redis.command("KEYS", "*held:*")).doesNotContain("held:");
      });
      // The failure cost nothing and holds nothing.
      assertThat(Double.parseDouble(redis.command("GET", spendKey()))).isEqualTo(afterStream);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void withoutRedisOneInstanceHoldsInMemory() throws Exception {
    redis.close();
    redis = null;
    slowReplies();
    GatewayUnderTest g = gateway(TestConfig.empty().clientKey("team", "sk-team-key-1", "budget: {daily: " + BUDGET
        + "}").provider("up", "{base_url: \"" + upstream.baseUrl() + "\", api_key: sk-up, "
        + "models: [{name: m, input_price: 2, output_price: 10}]}"));
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<HttpResponse<String>>> replies = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        replies.add(pool.submit(() -> chat(g, 10)));
      }
      int served = 0;
      for (Future<HttpResponse<String>> f : replies) {
        served += f.get().statusCode() == 200 ? 1 : 0;
      }
      assertThat(upstream.server().getAllServeEvents()).hasSize(served);
      assertThat(served * COST).isLessThanOrEqualTo(BUDGET + COST + 1e-12);
      await().atMost(Duration.ofSeconds(10)).until(() -> usage(g).reservationsHeld() == 0);
    } finally {
      pool.shutdownNow();
    }
  }
}
