package dev.switchboard.admin;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sections a reload applies beside providers and aliases: routing, the client keys of the file, their limits.
 * Each story changes behaviour through a reload only; what needs a restart is reported as such.
 */
class SectionReloadTest {
  private static final String KEY_A = "sk-section-a-0000";
  private static final String KEY_B = "sk-section-b-1111";
  private static final String ALICE = "sk-client-alice-0001";
  private static final String BOB = "sk-client-bob-0002";

  private final FakeProvider a = new FakeProvider();
  private final FakeProvider b = new FakeProvider();
  private final Path dir = GatewayUnderTest.freshDirectory();
  private final Path file = dir.resolve("switchboard.yaml");
  private final List<GatewayUnderTest> gateways = new ArrayList<>();

  @AfterEach
  void stop() {
    gateways.forEach(GatewayUnderTest::close);
    a.close();
    b.close();
  }

  private TestConfig two() {
    return ConfigReloadTest.base(dir, "{enabled: false}").provider("a", a, KEY_A, "m").provider("b", b, KEY_B, "m")
        .model("chat", "a/m", "b/m");
  }

  private GatewayUnderTest start(TestConfig config) throws Exception {
    Files.writeString(file, config.yaml());
    GatewayUnderTest gateway = GatewayUnderTest.startFile(file, Map.of());
    gateways.add(gateway);
    return gateway;
  }

  private JsonObject reload(GatewayUnderTest gateway, TestConfig next) throws Exception {
    Files.writeString(file, next.yaml());
    HttpResponse<String> r = ConfigReloadTest.admin(gateway, "POST", "/admin/config/reload", null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }

  private static String header(HttpResponse<String> r, String name) {
    return r.headers().firstValue(name).orElse(null);
  }

  @Test
  void aStrategyChangedInTheFileRoutesTheNextRequest() throws Exception {
    a.chatJson("from a");
    b.chatJson("from b");
    GatewayUnderTest gateway = start(two());
    assertThat(header(gateway.chat(Requests.chat("chat", "hi")), "x-switchboard-route"))
        .startsWith("strategy=priority");

    JsonObject outcome = reload(gateway, two().routing("{strategy: round-robin, explore: 0}"));

    assertThat(outcome.getString("result")).isEqualTo("applied");
    assertThat(outcome.getJsonArray("sections").getList()).containsExactly("routing");
    assertThat(outcome.containsKey("not_applied")).as(outcome.encode()).isFalse();
    List<String> served = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      HttpResponse<String> r = gateway.chat(Requests.chat("chat", "hi"));
      assertThat(header(r, "x-switchboard-route")).startsWith("strategy=round-robin");
      served.add(header(r, "x-switchboard-provider"));
    }
    assertThat(served).as("round-robin spreads over both").contains("a", "b");
  }

  @Test
  void aRaisedAttemptLimitFailsOverAfterTheReload() throws Exception {
    a.error("/chat/completions", 503, "server_error", null, "overloaded");
    b.chatJson("from b");
    TestConfig once = two().routing("{strategy: priority, explore: 0, max_attempts: 1}");
    GatewayUnderTest gateway = start(once);
    HttpResponse<String> before = gateway.chat(Requests.chat("chat", "hi"));
    assertThat(before.statusCode()).as("one attempt: a's failure is the answer").isNotEqualTo(200);
    assertThat(header(before, "x-switchboard-attempts")).isEqualTo("a:503");

    reload(gateway, two().routing("{strategy: priority, explore: 0, max_attempts: 4, retry: {per_provider: 0}}"));

    HttpResponse<String> after = gateway.chat(Requests.chat("chat", "hi"));
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.body()).contains("from b");
    assertThat(header(after, "x-switchboard-attempts")).isEqualTo("a:503,b:200");
  }

  @Test
  void aKeyAddedToTheFileWorksAndARemovedOneIsRefused() throws Exception {
    a.chatJson("from a");
    GatewayUnderTest gateway = start(two().clientKey("alice", ALICE));
    assertThat(gateway.chat(Requests.chat("chat", "hi"), "Authorization", "Bearer " + BOB).statusCode())
        .isEqualTo(401);

    JsonObject outcome = reload(gateway, two().clientKey("bob", BOB));

    assertThat(outcome.getJsonArray("sections").getList()).contains("auth.keys");
    assertThat(outcome.encode()).as("no secret in the answer").doesNotContain(BOB).doesNotContain(ALICE);
    assertThat(gateway.chat(Requests.chat("chat", "hi"), "Authorization", "Bearer " + BOB).statusCode())
        .isEqualTo(200);
    HttpResponse<String> alice = gateway.chat(Requests.chat("chat", "hi"), "Authorization", "Bearer " + ALICE);
    assertThat(alice.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(alice.body()).getJsonObject("error").getString("type"))
        .isEqualTo("authentication_error");
  }

  @Test
  void aLoweredKeyLimitRefusesAtOnce() throws Exception {
    a.chatJson("from a");
    GatewayUnderTest gateway = start(two().clientKey("alice", ALICE, "limits: {rpm: 1000}"));
    for (int i = 0; i < 3; i++) {
      assertThat(gateway.chat(Requests.chat("chat", "hi"), "Authorization", "Bearer " + ALICE).statusCode())
          .isEqualTo(200);
    }

    reload(gateway, two().clientKey("alice", ALICE, "limits: {rpm: 1}"));

    HttpResponse<String> first = gateway.chat(Requests.chat("chat", "hi"), "Authorization", "Bearer " + ALICE);
    HttpResponse<String> second = gateway.chat(Requests.chat("chat", "hi"), "Authorization", "Bearer " + ALICE);
    assertThat(first.statusCode()).as("one request of the new minute's burst").isEqualTo(200);
    assertThat(second.statusCode()).as("the bucket is the new limit's size").isEqualTo(429);
    assertThat(header(second, "x-ratelimit-limit-requests")).isEqualTo("1");
  }

  @Test
  void theCacheTurnedOnByAReloadServesTheSecondIdenticalRequest() throws Exception {
    a.chatJson("from a");
    GatewayUnderTest gateway = start(two().section("cache", "{mode: off}"));
    Requests.Chat chat = Requests.chat("chat", "what is 2+2?").with("temperature", 0);
    gateway.chat(chat);
    assertThat(header(gateway.chat(chat), "x-switchboard-cache")).isNotEqualTo("HIT");

    JsonObject outcome = reload(gateway, two().section("cache", "{mode: deterministic, ttl: 10m}"));

    assertThat(outcome.getJsonArray("sections").getList()).containsExactly("cache");
    assertThat(header(gateway.chat(chat), "x-switchboard-cache")).isEqualTo("MISS");
    HttpResponse<String> again = gateway.chat(chat);
    assertThat(header(again, "x-switchboard-cache")).isEqualTo("HIT");
    assertThat(again.body()).contains("from a");
  }

  @Test
  void aChangeOnlyARestartAppliesIsReportedAsSuch() throws Exception {
    a.chatJson("from a");
    GatewayUnderTest gateway = start(two());

    JsonObject outcome = reload(gateway, two().routing("{strategy: random, explore: 0}")
        .section("metrics", "{auth: admin_key}"));

    assertThat(outcome.getString("result")).isEqualTo("applied");
    assertThat(outcome.getJsonArray("sections").getList()).containsExactly("routing");
    assertThat(outcome.getJsonArray("not_applied").getList()).as("routing applied, so not listed")
        .containsExactly("metrics: changed; takes effect at the next restart");
  }
}
