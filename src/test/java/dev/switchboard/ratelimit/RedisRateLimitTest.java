package dev.switchboard.ratelimit;

import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.RedisProcess;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Redis backend against a real redis-server: shared buckets across instances, outage and recovery. */
class RedisRateLimitTest {
  private static final String CHAT = "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private final FakeProvider upstream = new FakeProvider();
  private RedisProcess redis;
  private final List<GatewayUnderTest> gateways = new ArrayList<>();

  @BeforeEach
  void redis() throws Exception {
    Assumptions.assumeTrue(RedisProcess.find().isPresent(), "redis-server is not installed (.ci/run installs it)");
    redis = RedisProcess.start();
    upstream.chatJson("hello");
  }

  @AfterEach
  void stop() throws Exception {
    gateways.forEach(GatewayUnderTest::close);
    upstream.close();
    if (redis != null) {
      redis.close();
    }
  }

  private GatewayUnderTest gateway(String keyLimits, String onFailure) {
    GatewayUnderTest g = GatewayUnderTest.start("""
        auth:
          admin_key: admin-key-0123
          keys:
            - {name: shared, key: sk-shared-key1, limits: %s}
        ratelimit:
          backend: redis
          redis: {url: "%s", on_failure: %s, timeout: 500ms}
        providers:
        %s
        """.formatted(keyLimits, redis.url(), onFailure, upstream.providerYaml("up", "sk-up", "m")));
    gateways.add(g);
    return g;
  }

  private static int status(GatewayUnderTest g) {
    try {
      return g.post("/v1/chat/completions", CHAT, "Authorization", "Bearer sk-shared-key1").statusCode();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static double backendUp(GatewayUnderTest g) {
    return g.switchboard().services().prometheus().find(GatewayMetrics.RATE_LIMIT_BACKEND_UP).gauge().value();
  }

  @Test
  void twoInstancesSharingRedisAdmitExactlyTheLimitBetweenThem() throws Exception {
    // 40 requests a minute with a burst of 40: within this test's few seconds, at most 40 + a refill of well under one.
    GatewayUnderTest one = gateway("{rpm: 40}", "open");
    GatewayUnderTest two = gateway("{rpm: 40}", "open");
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < 160; i++) {
        GatewayUnderTest g = i % 2 == 0 ? one : two;
        calls.add(pool.submit(() -> status(g)));
      }
      int admitted = 0;
      int refused = 0;
      for (Future<Integer> f : calls) {
        int s = f.get();
        if (s == 200) {
          admitted++;
        } else if (s == 429) {
          refused++;
        }
      }
      assertThat(admitted).as("exactly the shared limit, never N times it").isEqualTo(40);
      assertThat(refused).isEqualTo(120);
      assertThat(upstream.server().findAll(postRequestedFor(urlPathEqualTo("/v1/chat/completions")))).hasSize(40);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void redisGoingAwayFallsBackToLocalBucketsAndComesBack() throws Exception {
    GatewayUnderTest g = gateway("{rpm: 1000}", "open");
    assertThat(status(g)).isEqualTo(200);
    assertThat(backendUp(g)).isEqualTo(1.0);

    redis.stop();
    // Still served: the limiter falls back to this instance's own buckets.
    assertThat(status(g)).isEqualTo(200);
    assertThat(backendUp(g)).isZero();
    HttpResponse<String> ready = g.get("/ready");
    assertThat(ready.statusCode()).as("fail-open keeps the instance ready").isEqualTo(200);
    assertThat(ready.body()).contains("redis unreachable").contains("using local buckets");
    JsonObject quotas = new JsonObject(g.get("/admin/quotas", "Authorization", "Bearer admin-key-0123").body());
    assertThat(quotas.getBoolean("shared_store_up")).isFalse();

    redis.restart();
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      assertThat(status(g)).isEqualTo(200);
      assertThat(backendUp(g)).isEqualTo(1.0);
    });
  }

  @Test
  void failClosedRefusesLimitedRequestsWhileRedisIsDown() throws Exception {
    GatewayUnderTest g = gateway("{rpm: 1000}", "closed");
    assertThat(status(g)).isEqualTo(200);
    redis.stop();
    HttpResponse<String> refused = g.post("/v1/chat/completions", CHAT, "Authorization", "Bearer sk-shared-key1");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(refused.body()).getJsonObject("error").getString("code"))
        .isEqualTo("rate_limiter_unavailable");
    assertThat(g.get("/ready").statusCode()).as("fail-closed: not ready while the store is gone").isEqualTo(503);
  }
}
