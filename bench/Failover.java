/*
 * Failover: how many client-visible errors and how much added latency when the primary provider breaks half-way.
 *
 * Single-file Java program for the Java 17 source launcher, run against the gateway's shaded jar:
 *
 *   mvn -q -DskipTests package && java -cp target/switchboard.jar bench/Failover.java [--requests 4000] [--concurrency 16]
 *
 * In one JVM it starts two fake OpenAI-compatible upstreams (primary, secondary; each answers a chat completion
 * after --upstream-ms, default 5 ms), and the gateway with an alias whose strategy is priority (primary first).
 * A closed-loop load generator sends --requests chat completions with --concurrency in flight:
 *
 *   phase 1 (first third):  the primary answers normally
 *   phase 2 (second third): the primary answers every request with HTTP 503
 *   phase 3 (last third):   the primary's listener is closed: connection refused
 *
 * It reports, per phase and overall: requests, client-visible errors (any non-200), how many needed a failover
 * (x-switchboard-attempts lists more than one attempt), and latency p50/p99/max, plus the p50/p99 of requests
 * that failed over against the phase-1 baseline: the added latency of a failover. The circuit breaker settings are
 * the defaults, so the numbers include the requests that hit the primary before its circuit opened and the
 * half-open trials while it is open.
 */

import dev.switchboard.Switchboard;
import dev.switchboard.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

public class Failover {
  static final String CHAT = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\","
      + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello\"},\"finish_reason\":\"stop\"}],"
      + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}";
  static final String ERROR = "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";

  record Result(int phase, int status, long nanos, boolean failedOver) {
  }

  public static void main(String[] args) throws Exception {
    int requests = intArg(args, "--requests", 4000);
    int concurrency = intArg(args, "--concurrency", 16);
    int upstreamMs = intArg(args, "--upstream-ms", 5);
    Vertx vertx = Vertx.vertx();
    AtomicInteger phase = new AtomicInteger(1);
    HttpServer primary = upstream(vertx, upstreamMs, phase, true);
    HttpServer secondary = upstream(vertx, upstreamMs, phase, false);
    String yaml = """
        server: {host: 127.0.0.1, port: 0, instances: 1}
        logging: {access_log: false, level: warn}
        providers:
          primary: {base_url: "http://127.0.0.1:%d/v1", models: [m], timeouts: {connect: 1s, first_byte: 5s, idle: 5s, total: 10s}}
          secondary: {base_url: "http://127.0.0.1:%d/v1", models: [m], timeouts: {connect: 1s, first_byte: 5s, idle: 5s, total: 10s}}
        models:
          chat:
            strategy: priority
            targets: [{provider: primary, model: m}, {provider: secondary, model: m}]
        """.formatted(primary.actualPort(), secondary.actualPort());
    Switchboard gateway = Switchboard.start(ConfigLoader.fromYaml(yaml, Map.of())).toCompletionStage()
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(concurrency));
    Buffer body = Buffer.buffer("{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
        .setPort(gateway.port()).setURI("/v1/chat/completions").putHeader("content-type", "application/json");

    // Warm-up (JIT, pools), not counted.
    run(client, options, body, 500, concurrency, i -> 1, new ArrayList<>());

    List<Result> results = Collections.synchronizedList(new ArrayList<>(requests));
    int third = requests / 3;
    long started = System.nanoTime();
    run(client, options, body, requests, concurrency, i -> {
      int p = i < third ? 1 : i < 2 * third ? 2 : 3;
      if (p != phase.get()) {
        phase.set(p);
        if (p == 3) {
          primary.close();
        }
      }
      return p;
    }, results);
    double seconds = (System.nanoTime() - started) / 1e9;

    System.out.printf("%d requests, concurrency %d, upstream %d ms, %.1f s%n", requests, concurrency, upstreamMs,
        seconds);
    System.out.println("phase                      requests  errors  failed-over   p50 ms   p99 ms   max ms");
    String[] names = {"", "1 primary ok", "2 primary 503", "3 primary refused"};
    List<Long> baseline = new ArrayList<>();
    for (int p = 1; p <= 3; p++) {
      final int ph = p;
      List<Result> rs = results.stream().filter(r -> r.phase() == ph).toList();
      List<Long> lat = rs.stream().map(Result::nanos).sorted().toList();
      if (p == 1) {
        baseline = lat;
      }
      System.out.printf("%-26s %8d %7d %12d %8.2f %8.2f %8.2f%n", names[p], rs.size(),
          rs.stream().filter(r -> r.status() != 200).count(), rs.stream().filter(Result::failedOver).count(),
          ms(pct(lat, 50)), ms(pct(lat, 99)), ms(pct(lat, 100)));
    }
    List<Long> over = results.stream().filter(Result::failedOver).map(Result::nanos).sorted().toList();
    long errors = results.stream().filter(r -> r.status() != 200).count();
    System.out.printf("client-visible errors: %d of %d%n", errors, results.size());
    if (!over.isEmpty()) {
      System.out.printf("requests that failed over: %d; latency p50 %.2f ms, p99 %.2f ms; added vs phase-1 "
              + "baseline: p50 +%.2f ms, p99 +%.2f ms%n", over.size(), ms(pct(over, 50)), ms(pct(over, 99)),
          ms(pct(over, 50) - pct(baseline, 50)), ms(pct(over, 99) - pct(baseline, 99)));
    }
    gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    vertx.close();
    System.exit(0);
  }

  interface PhaseOf {
    int at(int i);
  }

  static void run(HttpClient client, RequestOptions options, Buffer body, int total, int concurrency, PhaseOf phaseOf,
                  List<Result> results) throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(total);
    for (int c = 0; c < concurrency; c++) {
      sendNext(client, options, body, total, next, phaseOf, results, done);
    }
    done.await(10, TimeUnit.MINUTES);
  }

  static void sendNext(HttpClient client, RequestOptions options, Buffer body, int total, AtomicInteger next,
                       PhaseOf phaseOf, List<Result> results, CountDownLatch done) {
    int i = next.getAndIncrement();
    if (i >= total) {
      return;
    }
    int p = phaseOf.at(i);
    long t0 = System.nanoTime();
    client.request(options)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> {
          String attempts = resp.getHeader("x-switchboard-attempts");
          return new Result(p, resp.statusCode(), System.nanoTime() - t0, attempts != null && attempts.contains(","));
        }))
        .recover(err -> Future.succeededFuture(new Result(p, 0, System.nanoTime() - t0, false)))
        .onComplete(ar -> {
          results.add(ar.result());
          done.countDown();
          sendNext(client, options, body, total, next, phaseOf, results, done);
        });
  }

  static HttpServer upstream(Vertx vertx, int delayMs, AtomicInteger phase, boolean isPrimary) throws Exception {
    Buffer ok = Buffer.buffer(CHAT);
    Buffer error = Buffer.buffer(ERROR);
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      boolean fail = isPrimary && phase.get() == 2;
      Runnable answer = () -> req.response().setStatusCode(fail ? 503 : 200)
          .putHeader("content-type", "application/json").end(fail ? error : ok);
      if (delayMs > 0) {
        vertx.setTimer(delayMs, t -> answer.run());
      } else {
        answer.run();
      }
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static long pct(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    int idx = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, idx)));
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }

  static int intArg(String[] args, String name, int def) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return Integer.parseInt(args[i + 1]);
      }
    }
    return def;
  }
}
