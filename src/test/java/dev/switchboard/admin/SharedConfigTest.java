package dev.switchboard.admin;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.RedisProcess;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two instances sharing Redis: a runtime change made on one is applied by both, and by a third started later. */
class SharedConfigTest {
  private final FakeProvider a = new FakeProvider();
  private final FakeProvider b = new FakeProvider();
  private final List<GatewayUnderTest> gateways = new ArrayList<>();
  private RedisProcess redis;

  @AfterEach
  void stop() {
    gateways.forEach(GatewayUnderTest::close);
    if (redis != null) {
      redis.stop();
    }
    a.close();
    b.close();
  }

  private GatewayUnderTest start() throws Exception {
    Path dir = GatewayUnderTest.freshDirectory();
    Path file = dir.resolve("switchboard.yaml");
    Files.writeString(file, ConfigReloadTest.base(dir, "{enabled: false}").redis(redis)
        .provider("a", a, "sk-shared-a-0000", "m").yaml());
    GatewayUnderTest gateway = GatewayUnderTest.startFile(file, Map.of());
    gateways.add(gateway);
    return gateway;
  }

  @Test
  void aRuntimeChangeOnOneInstanceIsAppliedByTheOther() throws Exception {
    Assumptions.assumeTrue(RedisProcess.find().isPresent(), "redis-server is not installed");
    redis = RedisProcess.start();
    a.chatJson("from a");
    b.chatJson("from b");
    GatewayUnderTest one = start();
    GatewayUnderTest two = start();
    assertThat(two.chat(Requests.chat("chat", "hi")).statusCode()).isEqualTo(404);

    HttpResponse<String> put = ConfigReloadTest.admin(one, "PUT", "/admin/providers/b", new io.vertx.core.json.JsonObject()
        .put("type", "openai").put("base_url", b.baseUrl()).put("api_key", "sk-shared-b-1111")
        .put("models", List.of("mb")).encode());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    HttpResponse<String> alias = ConfigReloadTest.admin(one, "PUT", "/admin/models/chat",
        "{\"targets\": [{\"provider\": \"b\", \"model\": \"mb\"}]}");
    assertThat(alias.statusCode()).as(alias.body()).isEqualTo(201);

    await().atMost(Duration.ofSeconds(20)).until(() -> two.chat(Requests.chat("chat", "hi")).statusCode() == 200);
    HttpResponse<String> onTwo = two.chat(Requests.chat("chat", "hi"));
    assertThat(onTwo.headers().firstValue("x-switchboard-provider")).hasValue("b");
    assertThat(onTwo.body()).contains("from b");
    assertThat(one.chat(Requests.chat("chat", "hi")).body()).contains("from b");

    GatewayUnderTest later = start();
    assertThat(later.chat(Requests.chat("chat", "hi")).statusCode()).as("a new instance starts with the change")
        .isEqualTo(200);
  }

  @Test
  void aChangeAnotherInstanceStoredIsKeptWhenThisOneChangesTheSameProviderBeforeHearingOfIt() throws Exception {
    Assumptions.assumeTrue(RedisProcess.find().isPresent(), "redis-server is not installed");
    redis = RedisProcess.start();
    GatewayUnderTest one = start();
    HttpResponse<String> first = ConfigReloadTest.admin(one, "PATCH", "/admin/providers/a", "{\"weight\": 2}");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    // Another instance's PATCH of another field, stored, its announcement not yet heard here.
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.redis.client.Redis client = io.vertx.redis.client.Redis.createClient(vertx, redis.url());
      io.vertx.core.json.JsonObject stored = new io.vertx.core.json.JsonObject(client.send(
          io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.GET).arg(RedisOverlay.KEY))
          .await().toString());
      stored.getJsonObject("providers").getJsonObject("a")
          .put("headers", new io.vertx.core.json.JsonObject().put("X-Team", "elsewhere"));
      client.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.SET).arg(RedisOverlay.KEY)
          .arg(stored.encode())).await();

      HttpResponse<String> second = ConfigReloadTest.admin(one, "PATCH", "/admin/providers/a", "{\"weight\": 5}");

      assertThat(second.statusCode()).as(second.body()).isEqualTo(200);
      io.vertx.core.json.JsonObject a = new io.vertx.core.json.JsonObject(client.send(
          io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.GET).arg(RedisOverlay.KEY)).await()
          .toString()).getJsonObject("providers").getJsonObject("a");
      assertThat(a.getInteger("weight")).isEqualTo(5);
      assertThat(a.getJsonObject("headers")).as("the other instance's change is not overwritten")
          .isEqualTo(new io.vertx.core.json.JsonObject().put("X-Team", "elsewhere"));
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void aChangeStoredWhileTheSubscriptionWasAwayIsAppliedWhenItReconnects() throws Exception {
    Assumptions.assumeTrue(RedisProcess.find().isPresent(), "redis-server is not installed");
    redis = RedisProcess.start();
    a.chatJson("from a");
    GatewayUnderTest one = start();
    HttpResponse<String> first = ConfigReloadTest.admin(one, "PATCH", "/admin/providers/a", "{\"weight\": 2}");
    assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      io.vertx.redis.client.Redis client = io.vertx.redis.client.Redis.createClient(vertx, redis.url());
      // Stored without an announcement, as if announced while the subscription was away; then the subscription goes.
      io.vertx.core.json.JsonObject stored = new io.vertx.core.json.JsonObject(client.send(
          io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.GET).arg(RedisOverlay.KEY))
          .await().toString());
      stored.getJsonObject("providers").getJsonObject("a")
          .put("headers", new io.vertx.core.json.JsonObject().put("X-Team", "caught-up"));
      client.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.SET).arg(RedisOverlay.KEY)
          .arg(stored.encode())).await();
      client.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.CLIENT).arg("KILL").arg("TYPE")
          .arg("pubsub")).await();

      // Reconnected, the instance reloads once in case it missed a change: the stored headers go upstream.
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(one.chat(Requests.chat("m", "hi")).statusCode()).isEqualTo(200);
        a.server().verify(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo("/v1/chat/completions"))
            .withHeader("X-Team", com.github.tomakehurst.wiremock.client.WireMock.equalTo("caught-up")));
      });
    } finally {
      vertx.close().await();
    }
  }
}
