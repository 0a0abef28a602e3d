package dev.switchboard.server.responses;

import dev.switchboard.testing.RedisProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The shared store against a real redis-server: round trip, delete, the TTL set in Redis, the size bound. */
class RedisResponseStoreTest {
  private static RedisProcess redis;
  private static Vertx vertx;
  private static RedisResponseStore store;

  @BeforeAll
  static void start() {
    assumeTrue(RedisProcess.find().isPresent(), "redis-server is not installed");
    redis = RedisProcess.start();
    vertx = Vertx.vertx();
    store = new RedisResponseStore(Redis.createClient(vertx, redis.url()), "sb:resp:", Duration.ofMinutes(5), 4096,
        Duration.ofSeconds(2));
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (redis != null) {
      redis.close();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static StoredResponse stored(String id, String text) {
    JsonObject response = new JsonObject().put("id", id).put("object", "response")
        .put("output", new JsonArray().add(new JsonObject().put("type", "message").put("content",
            new JsonArray().add(new JsonObject().put("type", "output_text").put("text", text)))));
    return new StoredResponse(id, response, new JsonArray().add(new JsonObject().put("role", "user")
        .put("content", "hi")));
  }

  @Test
  void aStoredResponseComesBackWholeFromAnotherClientAndIsGoneAfterDelete() throws Exception {
    await(store.put("resp_1", stored("resp_1", "héllo ✓")));
    // Another instance: its own client on the same Redis.
    RedisResponseStore other = new RedisResponseStore(Redis.createClient(vertx, redis.url()), "sb:resp:",
        Duration.ofMinutes(5), 4096, Duration.ofSeconds(2));
    StoredResponse back = await(other.get("resp_1"));
    assertThat(back.toJson()).isEqualTo(stored("resp_1", "héllo ✓").toJson());
    assertThat(await(other.delete("resp_1"))).isTrue();
    assertThat(await(store.get("resp_1"))).isNull();
    assertThat(await(store.delete("resp_1"))).as("nothing left to delete").isFalse();
  }

  @Test
  void redisItselfExpiresTheEntryAfterTheTtl() throws Exception {
    await(store.put("resp_ttl", stored("resp_ttl", "x")));
    long pttl = Long.parseLong(redis.command("PTTL", "sb:resp:resp_ttl").trim().replaceFirst("^:", ""));
    assertThat(pttl).as("the TTL is set in Redis").isBetween(1L, Duration.ofMinutes(5).toMillis());
  }

  @Test
  void aResponseOverTheEntryBoundIsNotKept() throws Exception {
    await(store.put("resp_big", stored("resp_big", "y".repeat(5000))));
    assertThat(await(store.get("resp_big"))).isNull();
  }
}
