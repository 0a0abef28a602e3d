package dev.switchboard.ratelimit;

import dev.switchboard.config.AuthConfig;
import dev.switchboard.config.ClientKeyConfig;
import dev.switchboard.config.Limits;
import dev.switchboard.config.RateLimitConfig;
import dev.switchboard.config.Secret;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import dev.switchboard.testing.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The per-key queue on an injected bucket clock: order, bounds and expiry without racing real time. */
class RateLimitQueueTest {
  private static final long SECOND = 1_000_000_000L;
  private final FakeClock clock = new FakeClock();
  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();

  @AfterEach
  void close() {
    vertx.close();
  }

  private RateLimiter limiter(Duration maxWait, int maxLength) {
    RateLimitConfig d = RateLimitConfig.DEFAULT;
    RateLimitConfig config = new RateLimitConfig("memory", d.redisUrl(), true, d.keyPrefix(), d.redisTimeout(),
        Limits.NONE, maxWait, maxLength, 10, d.redisHeartbeat(), d.leaseFraction(), d.leaseTtl());
    AuthConfig auth = new AuthConfig(List.of(new ClientKeyConfig("k", Secret.of("sk-queue-test"),
        new Limits(60, 0, 1, 0), 0, 5)), Secret.of(""));
    return new RateLimiter(config, auth, new LocalBuckets(clock),
        new GatewayMetrics(new SimpleMeterRegistry()));
  }

  private static GatewayRequest request() {
    JsonObject body = new JsonObject().put("model", "m").put("messages", new io.vertx.core.json.JsonArray());
    return new GatewayRequest("r", Endpoint.CHAT, "m", false, false, body, body.toBuffer(), "k", null, null,
        System.nanoTime());
  }

  @Test
  void higherPriorityGoesFirstCappedAtTheKeysAllowanceThenFirstComeFirstServed() {
    RateLimiter limiter = limiter(Duration.ofSeconds(30), 10);
    assertThat(limiter.admit(request(), null, context).result().admitted()).isTrue();
    Future<RateLimiter.Admission> low = limiter.admit(request(), "0", context);
    Future<RateLimiter.Admission> low2 = limiter.admit(request(), null, context);
    Future<RateLimiter.Admission> high = limiter.admit(request(), "9", context);
    assertThat(List.of(low, low2, high)).allSatisfy(f -> assertThat(f.isComplete()).isFalse());

    limiter.drain();
    assertThat(high.isComplete()).as("no slot yet").isFalse();

    clock.advanceNanos(SECOND);
    limiter.drain();
    await().until(high::isComplete);
    assertThat(high.result().admitted()).isTrue();
    assertThat(low.isComplete()).isFalse();

    clock.advanceNanos(SECOND);
    limiter.drain();
    await().until(low::isComplete);
    assertThat(low2.isComplete()).as("same priority: in arrival order").isFalse();

    clock.advanceNanos(SECOND);
    limiter.drain();
    await().until(low2::isComplete);
    assertThat(low2.result().admitted()).isTrue();
  }

  @Test
  void theQueueIsBoundedInLength() {
    RateLimiter limiter = limiter(Duration.ofSeconds(30), 1);
    limiter.admit(request(), null, context);
    Future<RateLimiter.Admission> waiting = limiter.admit(request(), null, context);
    Future<RateLimiter.Admission> overflow = limiter.admit(request(), null, context);
    assertThat(waiting.isComplete()).isFalse();
    assertThat(overflow.result().admitted()).isFalse();
    assertThat(overflow.result().error().status()).isEqualTo(429);
  }

  @Test
  void aRequestWaitingLongerThanMaxWaitIsRefused() {
    RateLimiter limiter = limiter(Duration.ofMillis(1_500), 10);
    limiter.admit(request(), null, context);
    Future<RateLimiter.Admission> waiting = limiter.admit(request(), null, context);
    assertThat(waiting.isComplete()).isFalse();
    // The bucket clock stands still, so only the queue's own deadline can end the wait.
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      limiter.drain();
      return waiting.isComplete();
    });
    assertThat(waiting.result().admitted()).isFalse();
    assertThat(waiting.result().error().code()).isEqualTo("rate_limit_exceeded");
  }
}
