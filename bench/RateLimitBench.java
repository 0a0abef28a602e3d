/*
 * RateLimitBench: the accuracy of shared limits and the hot-path cost of a rate-limit check.
 *
 *   mvn -q -DskipTests package && java -cp target/switchboard.jar bench/RateLimitBench.java
 *
 * Needs redis-server on the PATH (apt-get install redis-server); it starts its own on a free port.
 *
 * 1. Accuracy: two limiter instances (two Vert.x instances, as two gateways would be), one shared Redis bucket of
 *    1000 requests per minute with a burst of 1000, 6000 concurrent takes split between them. Reports admitted vs the
 *    limit plus what refilled during the run (target: exact, 0 over).
 * 2. Cost of one key check on the hot path (RateLimiter.admit: token estimate + bucket take), local and Redis,
 *    p50/p99 in microseconds, measured one at a time from an event loop.
 */

import dev.switchboard.config.AuthConfig;
import dev.switchboard.config.ClientKeyConfig;
import dev.switchboard.config.Limits;
import dev.switchboard.config.RateLimitConfig;
import dev.switchboard.config.Secret;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.ratelimit.Buckets;
import dev.switchboard.ratelimit.LocalBuckets;
import dev.switchboard.ratelimit.RateLimiter;
import dev.switchboard.ratelimit.RedisBuckets;
import dev.switchboard.server.Endpoint;
import dev.switchboard.server.GatewayRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

public class RateLimitBench {
  public static void main(String[] args) throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process redis = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      waitFor(port);
      String url = "redis://127.0.0.1:" + port;
      accuracy(url);
      cost(null);
      cost(url);
    } finally {
      redis.destroy();
      redis.waitFor();
    }
    System.exit(0);
  }

  static void accuracy(String url) throws Exception {
    Limits limits = new Limits(1000, 0, 1000, 0);
    RateLimitConfig config = config("redis", url);
    Vertx v1 = Vertx.vertx();
    Vertx v2 = Vertx.vertx();
    RedisBuckets b1 = new RedisBuckets(v1, config, new LocalBuckets(), metrics());
    RedisBuckets b2 = new RedisBuckets(v2, config, new LocalBuckets(), metrics());
    join(b1.start());
    join(b2.start());
    int attempts = 6000;
    AtomicInteger admitted = new AtomicInteger();
    long start = System.nanoTime();
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (Vertx v : List.of(v1, v2)) {
      RedisBuckets b = v == v1 ? b1 : b2;
      CompletableFuture<Void> done = new CompletableFuture<>();
      v.runOnContext(x -> {
        List<Future<Buckets.Take>> takes = new ArrayList<>();
        for (int i = 0; i < attempts / 2; i++) {
          takes.add(b.take("key:accuracy", limits, 0).onSuccess(t -> {
            if (t.admitted()) {
              admitted.incrementAndGet();
            }
          }));
        }
        Future.join(takes).onComplete(ar -> done.complete(null));
      });
      all.add(done);
    }
    CompletableFuture.allOf(all.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    double refill = seconds * 1000 / 60.0;
    System.out.printf("accuracy: 2 instances, %d concurrent takes in %.2f s against 1000 rpm (burst 1000): admitted %d,"
        + " allowed %d + %.1f refilled -> %s%n", attempts, seconds, admitted.get(), 1000, refill,
        admitted.get() <= 1000 + Math.floor(refill) ? "0 over" : (admitted.get() - 1000 - (int) refill) + " OVER");
    b1.close();
    b2.close();
    v1.close();
    v2.close();
  }

  static void cost(String url) throws Exception {
    Vertx vertx = Vertx.vertx();
    RateLimitConfig config = config(url == null ? "memory" : "redis", url == null ? "redis://127.0.0.1:6379" : url);
    LocalBuckets local = new LocalBuckets();
    Buckets buckets = url == null ? local : new RedisBuckets(vertx, config, local, metrics());
    if (buckets instanceof RedisBuckets r) {
      join(r.start());
    }
    AuthConfig auth = new AuthConfig(List.of(new ClientKeyConfig("bench", Secret.of("sk-bench-key"),
        new Limits(100_000_000, 100_000_000_000L, 100_000_000, 100_000_000_000L), 0, 0)), Secret.of(""));
    RateLimiter limiter = new RateLimiter(config, auth, buckets, metrics());
    JsonObject body = new JsonObject("{\"model\":\"m\",\"max_tokens\":100,\"messages\":[{\"role\":\"system\",\"content\":"
        + "\"You are a helpful assistant.\"},{\"role\":\"user\",\"content\":\"Write a haiku about rate limits and "
        + "token buckets, please.\"}]}");
    GatewayRequest request = new GatewayRequest("r", Endpoint.CHAT, "m", false, false, body, body.toBuffer(), "bench",
        null, null, System.nanoTime());
    int n = url == null ? 200_000 : 20_000;
    long[] samples = new long[n];
    Context ctx = vertx.getOrCreateContext();
    CompletableFuture<Void> done = new CompletableFuture<>();
    ctx.runOnContext(v -> loop(limiter, request, ctx, samples, 0, done));
    done.get(120, TimeUnit.SECONDS);
    long[] measured = Arrays.copyOfRange(samples, n / 5, n);
    Arrays.sort(measured);
    System.out.printf("cost of a key check (%s): p50 %.1f us, p99 %.1f us over %d checks%n",
        url == null ? "local" : "redis", measured[measured.length / 2] / 1e3,
        measured[(int) (measured.length * 0.99)] / 1e3, measured.length);
    if (buckets instanceof RedisBuckets r) {
      r.close();
    }
    vertx.close();
  }

  static void loop(RateLimiter limiter, GatewayRequest request, Context ctx, long[] samples, int i,
                   CompletableFuture<Void> done) {
    if (i == samples.length) {
      done.complete(null);
      return;
    }
    long t0 = System.nanoTime();
    limiter.admit(request, null, ctx).onComplete(ar -> {
      samples[i] = System.nanoTime() - t0;
      if (ar.failed() || !ar.result().admitted()) {
        done.completeExceptionally(new IllegalStateException("refused: " + ar));
        return;
      }
      // Next check from a fresh task, as requests arrive, not from inside this one's callback.
      ctx.runOnContext(v -> loop(limiter, request, ctx, samples, i + 1, done));
    });
  }

  static RateLimitConfig config(String backend, String url) {
    RateLimitConfig d = RateLimitConfig.DEFAULT;
    return new RateLimitConfig(backend, url, true, "bench:", Duration.ofSeconds(2), Limits.NONE, Duration.ZERO,
        d.queueMaxLength(), d.defaultCompletionTokens(), d.redisHeartbeat());
  }

  static GatewayMetrics metrics() {
    return new GatewayMetrics(new SimpleMeterRegistry());
  }

  static <T> T join(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static void waitFor(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (Exception e) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException("redis-server did not start");
  }
}
