package dev.switchboard.cache;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.RedisProcess;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.switchboard.cache.CacheGateway.cacheHeader;
import static dev.switchboard.testing.Metrics.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The shared tier against a real redis-server started by the test on a free port: entries reach other instances,
 * carry their TTL in Redis and are compressed; an outage (stopped or hung Redis) degrades to memory only, never an
 * error to the client, and the tier comes back by itself.
 */
class RedisCacheTest {
  private static final String CHAT = """
      {"model":"gpt-real","temperature":0,"messages":[{"role":"user","content":"%s"}]}""";
  private static final String PREFIX = "sbtest:";
  private RedisProcess redis;
  private FakeProvider upstream;
  private final List<CacheGateway> gateways = new ArrayList<>();

  @BeforeAll
  static void needsRedis() {
    assumeTrue(RedisProcess.find().isPresent(), "SKIPPED: redis-server was not found on this machine, so the Redis "
        + "tier is not tested here; install it (apt-get install redis-server, as .ci/run does) to run these tests");
  }

  @BeforeEach
  void start() {
    redis = RedisProcess.start();
    upstream = new FakeProvider();
    upstream.chatJson("shared answer");
  }

  @AfterEach
  void stop() {
    gateways.forEach(g -> g.gateway.close());
    upstream.close();
    redis.close();
  }

  private CacheGateway gateway(String url, String extraCache) {
    CacheGateway gw = new CacheGateway(upstream, """
          backend: redis
          redis: {url: "%s", key_prefix: "%s", timeout: 500ms, retry_interval: 100ms}
        """.formatted(url, PREFIX) + extraCache);
    gateways.add(gw);
    return gw;
  }

  private CacheGateway gateway() {
    return gateway(redis.url(), "");
  }

  private List<String> redisKeys() throws Exception {
    String reply = redis.command("KEYS", PREFIX + "*");
    List<String> keys = new ArrayList<>(List.of(reply.split("\n")));
    keys.remove(0);
    return keys;
  }

  private String awaitOneKey() {
    await().atMost(Duration.ofSeconds(30)).until(() -> redisKeys().size() == 1);
    try {
      return redisKeys().get(0);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String chat(String prompt) {
    return CHAT.formatted(prompt);
  }

  @Test
  void anEntryStoredByOneInstanceIsServedByAnother() throws Exception {
    CacheGateway a = gateway();
    CacheGateway b = gateway();
    HttpResponse<String> first = a.chat(chat("hello"));
    assertThat(cacheHeader(first)).isEqualTo("MISS");
    awaitOneKey();

    HttpResponse<String> second = b.chat(chat("hello"));
    assertThat(cacheHeader(second)).isEqualTo("HIT");
    assertThat(second.body()).isEqualTo(first.body());
    assertThat(second.headers().firstValue("age")).isPresent();
    assertThat(a.chatCalls()).isEqualTo(1);
    assertThat(cacheHeader(b.chat(chat("hello")))).as("now in b's memory too").isEqualTo("HIT");
    String m = b.metrics();
    assertThat(sum(m, "switchboard_cache_requests_total", "result=\"hit\"", "tier=\"redis\"")).isEqualTo(1.0);
    assertThat(sum(m, "switchboard_cache_requests_total", "result=\"hit\"", "tier=\"memory\"")).isEqualTo(1.0);
    assertThat(sum(m, "switchboard_cache_redis_up")).isEqualTo(1.0);
    JsonObject stats = new JsonObject(b.admin("GET", "/admin/cache", CacheGateway.ADMIN).body());
    assertThat(stats.getString("backend")).isEqualTo("redis");
    assertThat(stats.getJsonObject("redis").getBoolean("up")).isTrue();
    assertThat(stats.getJsonObject("redis").getLong("hits")).isEqualTo(1);
    assertThat(stats.getJsonObject("redis").getString("address")).isEqualTo("127.0.0.1:" + redis.port());
  }

  @Test
  void valuesAreCompressedAndCarryTheirTtlInRedis() throws Exception {
    upstream.chatJson("all work and no play makes a dull reply ".repeat(600));
    CacheGateway gw = gateway();
    HttpResponse<String> reply = gw.chat(chat("long"), "x-switchboard-cache-ttl", "600");
    String key = awaitOneKey();

    long pttl = Long.parseLong(redis.command("PTTL", key).substring(1));
    assertThat(pttl).isBetween(590_000L, 600_000L);
    byte[] value = redis.get(key);
    assertThat(value).startsWith(0x53, 0x42, 0x43, 0x01);
    assertThat(value.length).as("compressed").isLessThan(reply.body().length() / 10);
    assertThat(key).matches(PREFIX + "[0-9a-f]{64}");
  }

  @Test
  void streamsTravelThroughRedisByteForByte() throws Exception {
    upstream.chatStream(FakeProvider.chatChunks("chatcmpl-r", "gpt-real", "Hel", "lo"));
    String stream = chat("stream me").replace("{", "{\"stream\":true,");
    HttpResponse<String> first = gateway().chat(stream);
    awaitOneKey();
    HttpResponse<String> second = gateway().chat(stream);
    assertThat(cacheHeader(second)).isEqualTo("HIT");
    assertThat(second.body()).isEqualTo(first.body());
  }

  @Test
  void aStoppedRedisDegradesToMemoryOnlyAndComesBackByItself() throws Exception {
    CacheGateway gw = gateway();
    assertThat(cacheHeader(gw.chat(chat("before")))).isEqualTo("MISS");
    awaitOneKey();

    redis.stop();
    HttpResponse<String> during = gw.chat(chat("during"));
    assertThat(during.statusCode()).isEqualTo(200);
    assertThat(cacheHeader(during)).isEqualTo("MISS");
    assertThat(cacheHeader(gw.chat(chat("during")))).as("memory still serves").isEqualTo("HIT");
    assertThat(cacheHeader(gw.chat(chat("before")))).isEqualTo("HIT");
    String m = gw.metrics();
    assertThat(sum(m, "switchboard_cache_redis_up")).isZero();
    assertThat(sum(m, "switchboard_cache_redis_errors_total", "op=\"get\"")).as("one failure marks it down; "
        + "requests then leave Redis alone").isEqualTo(1.0);
    assertThat(new JsonObject(gw.admin("GET", "/admin/cache", CacheGateway.ADMIN).body()).getJsonObject("redis")
        .getBoolean("up")).isFalse();

    redis.restart();
    await().atMost(Duration.ofSeconds(30)).until(() -> sum(gw.metrics(), "switchboard_cache_redis_up") == 1.0);
    assertThat(cacheHeader(gw.chat(chat("after")))).isEqualTo("MISS");
    awaitOneKey();
    assertThat(gw.chatCalls()).isEqualTo(3);
  }

  @Test
  void aHungRedisCostsOneTimeoutThenNothing() throws Exception {
    CacheGateway gw = gateway();
    gw.chat(chat("warm"));
    awaitOneKey();
    redis.pause();
    try {
      // A paused Redis keeps its connection open: only redis.timeout can end the GET, and it is counted as failed.
      HttpResponse<String> slow = gw.chat(chat("hung"));
      assertThat(slow.statusCode()).isEqualTo(200);
      assertThat(sum(gw.metrics(), "switchboard_cache_redis_errors_total", "op=\"get\"")).as("bounded by redis.timeout")
          .isEqualTo(1.0);
      assertThat(sum(gw.metrics(), "switchboard_cache_redis_up")).isZero();
      assertThat(cacheHeader(gw.chat(chat("hung again")))).isEqualTo("MISS");
      assertThat(sum(gw.metrics(), "switchboard_cache_redis_errors_total", "op=\"get\"")).isEqualTo(1.0);
    } finally {
      redis.resume();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> sum(gw.metrics(), "switchboard_cache_redis_up") == 1.0);
  }

  @Test
  void theGatewayStartsAndServesWithRedisUnreachable() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    CacheGateway gw = gateway("redis://127.0.0.1:" + closed, "");
    assertThat(cacheHeader(gw.chat(chat("x")))).isEqualTo("MISS");
    assertThat(cacheHeader(gw.chat(chat("x")))).isEqualTo("HIT");
    assertThat(sum(gw.metrics(), "switchboard_cache_redis_up")).isZero();
  }

  @Test
  void adminClearEmptiesRedisToo() throws Exception {
    CacheGateway a = gateway();
    a.chat(chat("one"));
    a.chat(chat("two"));
    await().atMost(Duration.ofSeconds(30)).until(() -> redisKeys().size() == 2);
    redis.command("SET", "unrelated:key", "stays");

    HttpResponse<String> cleared = a.admin("POST", "/admin/cache/clear", CacheGateway.ADMIN);
    assertThat(cleared.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(cleared.body()).getJsonObject("cleared");
    assertThat(body.getLong("memory_entries")).isEqualTo(2);
    assertThat(body.getLong("redis_keys")).isEqualTo(2);
    assertThat(redisKeys()).isEmpty();
    assertThat(redis.command("GET", "unrelated:key")).isEqualTo("stays");
    assertThat(cacheHeader(gateway().chat(chat("one")))).isEqualTo("MISS");
  }

  @Test
  void aClearOnOneInstanceEmptiesTheOtherInstancesMemoryToo() throws Exception {
    CacheGateway a = gateway();
    CacheGateway b = gateway();
    assertThat(cacheHeader(a.chat(chat("one")))).isEqualTo("MISS");
    awaitOneKey();
    assertThat(cacheHeader(b.chat(chat("one")))).isEqualTo("HIT");
    // Both instances listen for clears.
    await().atMost(Duration.ofSeconds(30)).until(() -> redis.command("PUBSUB", "NUMSUB", PREFIX + "clear")
        .endsWith(":2"));

    assertThat(a.admin("POST", "/admin/cache/clear", CacheGateway.ADMIN).statusCode()).isEqualTo(200);

    await().atMost(Duration.ofSeconds(30)).until(() -> new JsonObject(b.admin("GET", "/admin/cache",
        CacheGateway.ADMIN).body()).getLong("entries") == 0);
    assertThat(cacheHeader(b.chat(chat("one")))).as("b no longer answers the cleared entry from its memory")
        .isEqualTo("MISS");
  }
}
