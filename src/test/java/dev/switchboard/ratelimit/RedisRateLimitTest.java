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
import java.util.Map;
import java.util.TreeMap;
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
    return gateway(keyLimits, onFailure, redis.url(), "heartbeat: 200ms");
  }

  /** @param redisSettings more of ratelimit.redis, e.g. "heartbeat: 1s, lease_ttl: 500ms" */
  private GatewayUnderTest gateway(String keyLimits, String onFailure, String url, String redisSettings) {
    String settings = redisSettings.contains("timeout:") ? redisSettings : "timeout: 500ms, " + redisSettings;
    GatewayUnderTest g = GatewayUnderTest.start("""
        auth:
          admin_key: admin-key-0123
          keys:
            - {name: shared, key: sk-shared-key1, limits: %s}
        ratelimit:
          backend: redis
          redis: {url: "%s", on_failure: %s, %s}
        providers:
        %s
        """.formatted(keyLimits, url, onFailure, settings, upstream.providerYaml("up", "sk-up", "m")));
    gateways.add(g);
    return g;
  }

  private static HttpResponse<String> chat(GatewayUnderTest g) throws Exception {
    return g.post("/v1/chat/completions", CHAT, "Authorization", "Bearer sk-shared-key1");
  }

  private static long remaining(HttpResponse<String> r) {
    return Long.parseLong(r.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
  }

  private void awaitInstances(int n, GatewayUnderTest... all) {
    await().atMost(Duration.ofSeconds(10)).until(() -> java.util.Arrays.stream(all)
        .allMatch(g -> gauge(g, GatewayMetrics.RATE_LIMIT_INSTANCES) == n));
  }

  /** The shared bucket of the test key as Redis holds it: field to value. */
  private Map<String, Double> bucketInRedis() throws Exception {
    String[] lines = redis.command("HGETALL", "switchboard:bucket:key:shared").split("\n");
    Map<String, Double> fields = new TreeMap<>();
    for (int i = 1; i + 1 < lines.length; i += 2) {
      fields.put(lines[i], Double.parseDouble(lines[i + 1]));
    }
    return fields;
  }

  /** Each instance's lease of requests (by instance id) in the test key's shared bucket. */
  private Map<String, Double> leasesInRedis() throws Exception {
    Map<String, Double> leases = new TreeMap<>();
    bucketInRedis().forEach((field, value) -> {
      if (field.startsWith("lr:")) {
        leases.put(field.substring(3), value);
      }
    });
    return leases;
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

  private static double gauge(GatewayUnderTest g, String name) {
    return g.switchboard().services().prometheus().find(name).gauge().value();
  }

  private static double counter(GatewayUnderTest g, String name, String... tags) {
    var c = g.switchboard().services().prometheus().find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  /** Calls this instance made to Redis for bucket operations (each a batch of takes, adjusts and clamps). */
  private static double bucketCalls(GatewayUnderTest g) {
    return counter(g, GatewayMetrics.RATE_LIMIT_REDIS_CALLS, "call", "bucket");
  }

  /** {@code perInstance} requests to each gateway, all released at once; the status codes. */
  private static List<Integer> burst(int perInstance, GatewayUnderTest... instances) throws Exception {
    return burst(perInstance, null, instances);
  }

  /**
   * {@code perInstance} requests to each gateway, all released at once; {@code whileInFlight}, if not null, runs once
   * every one of them is in flight at its gateway. The status codes.
   */
  private static List<Integer> burst(int perInstance, ThrowingRunnable whileInFlight, GatewayUnderTest... instances)
      throws Exception {
    int total = perInstance * instances.length;
    ExecutorService pool = Executors.newFixedThreadPool(total);
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    try {
      List<Future<Integer>> calls = new ArrayList<>();
      for (int i = 0; i < total; i++) {
        GatewayUnderTest g = instances[i % instances.length];
        calls.add(pool.submit(() -> {
          go.await();
          return status(g);
        }));
      }
      go.countDown();
      if (whileInFlight != null) {
        await().atMost(Duration.ofSeconds(30)).until(() -> java.util.Arrays.stream(instances)
            .mapToDouble(g -> gauge(g, GatewayMetrics.IN_FLIGHT)).sum() == total);
        whileInFlight.run();
      }
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> f : calls) {
        statuses.add(f.get());
      }
      return statuses;
    } finally {
      pool.shutdownNow();
    }
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static long count(List<Integer> statuses, int status) {
    return statuses.stream().filter(s -> s == status).count();
  }

  // A burst of 100 refilled at 1 a minute: the limit of a window, and no refill within a test worth counting.
  private static final String HUNDRED = "{rpm: 1, burst_requests: 100}";

  @Test
  void burstOfFourHundredOnTwoInstancesAdmitsTheSharedLimitInAHandfulOfRedisCalls() throws Exception {
    // Redis answers slowly here (frozen while the burst arrives), within a timeout long enough that no take is
    // decided locally: what is measured is coalescing, not how fast a loaded machine happens to deliver the burst.
    GatewayUnderTest one = gateway(HUNDRED, "open", redis.url(), "heartbeat: 200ms, timeout: 30s");
    GatewayUnderTest two = gateway(HUNDRED, "open", redis.url(), "heartbeat: 200ms, timeout: 30s");
    assertThat(status(one)).isEqualTo(200);
    assertThat(status(two)).isEqualTo(200);
    double callsBefore = bucketCalls(one) + bucketCalls(two);

    redis.pause();
    List<Integer> statuses;
    try {
      statuses = burst(200, redis::resume, one, two);
    } finally {
      redis.resume();
    }

    // 98 left after the two first requests. Each instance's lease (a tenth of the burst, its reserve for an outage)
    // stays out of the pool until the answer to the burst's batch sends it back, so up to 20 fewer are admitted;
    // never more than the 98.
    assertThat(count(statuses, 200)).as("the shared limit holds under a burst").isBetween(78L, 98L);
    assertThat(count(statuses, 200) + count(statuses, 429)).isEqualTo(400);
    assertThat(backendUp(one)).as("no take timed out: every decision was Redis's").isEqualTo(1.0);
    // Without coalescing: one bucket call per request (400). With it, each instance has one call in flight when Redis
    // freezes and everything else waits in the lane for one more; a request still between its count as in flight
    // and its take when Redis resumes, and the lease's top-ups, add a few. Counted by the gateways' own bucket-call
    // meter: Redis's script count also holds the heartbeats, which are not takes. BucketBatcherTest pins the
    // mechanism itself.
    assertThat(bucketCalls(one) + bucketCalls(two) - callsBefore)
        .as("concurrent takes coalesced: a handful of bucket calls for 400 requests").isLessThan(40);
  }

  @Test
  void hungRedisOpensTheBreakerAndRequestsStopAskingItUntilItAnswers() throws Exception {
    GatewayUnderTest g = gateway(HUNDRED, "open");
    assertThat(status(g)).isEqualTo(200);
    assertThat(gauge(g, GatewayMetrics.RATE_LIMIT_BREAKER_OPEN)).isZero();
    double before = bucketCalls(g);

    redis.pause();
    try {
      // The first request waits for the timeout, opens the breaker and is decided locally: from the lease, a tenth
      // of the burst (lease_fraction 0.1) reserved in Redis for this lone instance.
      assertThat(status(g)).isEqualTo(200);
      assertThat(gauge(g, GatewayMetrics.RATE_LIMIT_BREAKER_OPEN)).isEqualTo(1.0);
      int admitted = 1;
      for (int i = 0; i < 40; i++) {
        admitted += status(g) == 200 ? 1 : 0;
      }
      assertThat(admitted).as("exactly the lease, never more").isEqualTo(10);
      assertThat(bucketCalls(g) - before).as("only the call that found Redis hung; the rest never asked it")
          .isLessThanOrEqualTo(1);
      assertThat(counter(g, GatewayMetrics.RATE_LIMIT_FALLBACK)).isGreaterThanOrEqualTo(41);
      assertThat(g.get("/ready").body()).contains("redis unreachable").contains("leases").contains("share");
    } finally {
      redis.resume();
    }

    // The heartbeat finds Redis again and closes the breaker.
    await().atMost(Duration.ofSeconds(15))
        .until(() -> gauge(g, GatewayMetrics.RATE_LIMIT_BREAKER_OPEN) == 0 && backendUp(g) == 1);
    double afterResume = bucketCalls(g);
    HttpResponse<String> shared = g.post("/v1/chat/completions", CHAT, "Authorization", "Bearer sk-shared-key1");
    assertThat(shared.statusCode()).isEqualTo(200);
    assertThat(bucketCalls(g)).as("decided by Redis again").isGreaterThan(afterResume);
    // 1 before the pause, 10 in it (the lease, spent), a new lease of 10 and this one: at most 78 left of 100.
    assertThat(remaining(shared)).as("what the lease admitted is gone from the shared bucket").isLessThanOrEqualTo(78);
  }

  @Test
  void aTakeRedisRanAfterItsCallTimedOutGoesBackToTheBucket() throws Exception {
    GatewayUnderTest g = gateway(HUNDRED, "open");
    assertThat(status(g)).isEqualTo(200);
    assertThat(bucketInRedis().get("r")).as("100, this request, a lease of 10").isBetween(89.0, 89.5);

    redis.pause();
    try {
      assertThat(status(g)).as("its call timed out: decided from the lease").isEqualTo(200);
    } finally {
      redis.resume();
    }
    // Redis runs the stalled call when it resumes and admits the take there too; the lease paid for the request, so
    // Redis's take goes back. Then the lease reports the one it spent and is topped up to 10 again.
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
      Map<String, Double> bucket = bucketInRedis();
      assertThat(bucket.entrySet()).anyMatch(e -> e.getKey().startsWith("ur:") && e.getValue() == 1.0);
      assertThat(bucket.get("r")).as("100 less 2 requests and the lease, not 3 requests (and 1/min of refill)")
          .isBetween(88.0, 88.5);
    });
  }

  @Test
  void twoInstancesLosingRedisTogetherAdmitOnlyTheirLeases() throws Exception {
    GatewayUnderTest one = gateway(HUNDRED, "open");
    GatewayUnderTest two = gateway(HUNDRED, "open");
    awaitInstances(2, one, two);
    int admitted = 0;
    for (int i = 0; i < 30; i++) {
      admitted += status(one) == 200 ? 1 : 0;
      admitted += status(two) == 200 ? 1 : 0;
    }
    assertThat(admitted).isEqualTo(60);
    assertThat(leasesInRedis().values()).as("each holds a tenth of the burst over 2").containsExactly(5.0, 5.0);

    redis.pause();
    List<Integer> statuses;
    try {
      statuses = burst(200, one, two);
      assertThat(gauge(one, GatewayMetrics.RATE_LIMIT_BREAKER_OPEN) + gauge(two, GatewayMetrics.RATE_LIMIT_BREAKER_OPEN))
          .as("both decided alone").isEqualTo(2.0);
    } finally {
      redis.resume();
    }
    long inPause = count(statuses, 200);
    assertThat(inPause).as("what was reserved, 5 each: no more, and used").isEqualTo(10);
    assertThat(admitted + inPause).isLessThanOrEqualTo(100);
  }

  @Test
  void anInstanceTimingOutWhileTheOtherReachesRedisAdmitsOnlyItsLease() throws Exception {
    try (StallingProxy proxy = new StallingProxy(redis.port())) {
      GatewayUnderTest slow = gateway(HUNDRED, "open", proxy.url(), "heartbeat: 200ms");
      GatewayUnderTest fine = gateway(HUNDRED, "open");
      awaitInstances(2, slow, fine);
      assertThat(status(slow)).isEqualTo(200);
      assertThat(status(fine)).isEqualTo(200);

      // Only the slow instance's Redis calls time out (an overloaded host); the other's Redis is healthy.
      proxy.stall();
      List<Integer> statuses = burst(200, slow, fine);
      long fromSlow = 0;
      long fromFine = 0;
      for (int i = 0; i < statuses.size(); i++) {
        if (statuses.get(i) == 200) {
          if (i % 2 == 0) {
            fromSlow++;
          } else {
            fromFine++;
          }
        }
      }
      assertThat(gauge(slow, GatewayMetrics.RATE_LIMIT_BREAKER_OPEN)).isEqualTo(1.0);
      assertThat(gauge(fine, GatewayMetrics.RATE_LIMIT_BREAKER_OPEN)).isZero();
      assertThat(counter(slow, GatewayMetrics.RATE_LIMIT_FALLBACK)).isGreaterThan(0);
      assertThat(fromSlow).as("the slow instance admitted its lease only (before: half of what was left, 49)")
          .isBetween(1L, 5L);
      assertThat(fromFine).as("the other took the rest from Redis, its own lease given back").isGreaterThan(80);
      assertThat(2 + fromSlow + fromFine).as("the shared limit holds").isLessThanOrEqualTo(100);

      proxy.release();
      await().atMost(Duration.ofSeconds(15)).until(() -> gauge(slow, GatewayMetrics.RATE_LIMIT_BREAKER_OPEN) == 0);
      assertThat(status(slow)).as("its late calls and its report bring nothing back").isEqualTo(429);
      assertThat(status(fine)).isEqualTo(429);
    }
  }

  @Test
  void aLeavingInstanceGivesItsLeaseBackAndADeadOnesExpires() throws Exception {
    // 1000 a second: the pool refills to its cap (the burst less the live leases) between any two requests.
    String fast = "{rpm: 60000, burst_requests: 100}";
    try (StallingProxy proxy = new StallingProxy(redis.port())) {
      GatewayUnderTest leaving = gateway(fast, "open", redis.url(), "heartbeat: 1s");
      GatewayUnderTest dying = gateway(fast, "open", proxy.url(), "heartbeat: 1s, lease_ttl: 2s");
      GatewayUnderTest staying = gateway(fast, "open", redis.url(), "heartbeat: 1s");
      awaitInstances(3, leaving, dying, staying);
      assertThat(status(leaving)).isEqualTo(200);
      String leaver = leasesInRedis().keySet().iterator().next();
      assertThat(status(dying)).isEqualTo(200);
      String dead = leasesInRedis().keySet().stream().filter(id -> !id.equals(leaver)).findFirst().orElseThrow();
      HttpResponse<String> held = chat(staying);
      assertThat(leasesInRedis()).hasSize(3);
      assertThat(remaining(held)).as("100 less the others' leases of 100/10/3 and this request (its own lease is taken"
          + " after it)").isBetween(91L, 92L);

      leaving.close();
      assertThat(leasesInRedis().get(leaver)).as("closing gave its lease back at once").isZero();

      // The dying instance is cut off (its heartbeats too); its lease is dropped from the bucket once it has
      // expired — never put back as such: it may have been spent — and refill brings that capacity back.
      proxy.stall();
      await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
        assertThat(status(staying)).isEqualTo(200);
        Map<String, Double> bucket = bucketInRedis();
        assertThat(bucket).doesNotContainKey("lr:" + dead);
        double leased = leasesInRedis().values().stream().mapToDouble(Double::doubleValue).sum();
        assertThat(bucket.get("r") + leased).as("pool and live leases fill the burst again, less the one request")
            .isGreaterThanOrEqualTo(98.9);
      });
      proxy.release();
    }
  }

  @Test
  void twoInstancesSharingRedisAdmitExactlyTheLimitBetweenThem() throws Exception {
    // A burst of 40 refilled at 1 a minute: no refill within the test's seconds, however slow the machine (at 40 a
    // minute, a run over 1.5 s admitted a 41st). A long Redis timeout: on a loaded machine a round trip over the
    // usual 500 ms would open the breaker and decide from the leases, which is another test's subject.
    String patient = "heartbeat: 200ms, timeout: 30s";
    GatewayUnderTest one = gateway("{rpm: 1, burst_requests: 40}", "open", redis.url(), patient);
    GatewayUnderTest two = gateway("{rpm: 1, burst_requests: 40}", "open", redis.url(), patient);
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
