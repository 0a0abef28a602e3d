/*
 * TailBench: what hedged stream attempts do to a heavy-tailed time to first token.
 *
 * Single-file Java program for the Java 17 source launcher, run against the gateway's shaded jar:
 *
 *   mvn -q -DskipTests package && java -cp target/switchboard.jar bench/TailBench.java [--requests 600] [--concurrency 8]
 *
 * In one JVM it starts two fake OpenAI-compatible streaming upstreams, a and b, with the same heavy-tailed TTFT:
 * each stream's first content event comes after --median-ms (default 50 ms, ±20 % uniform jitter), except for a
 * --slow-share (default 0.05) of streams, drawn independently per upstream request, which take --slow-factor (10) ×
 * that; then 5 content chunks 2 ms apart, a finish chunk and [DONE]. The gateway routes an alias over a then b
 * (priority). The same closed-loop load (--requests streams, --concurrency in flight, after a 200-stream warm-up
 * that also fills the live TTFT statistics) runs once with hedging off and once per hedge setting; it reports the
 * client-side TTFT (first body byte: the gateway holds the role chunk until the first content event) and the time to
 * the end of the stream, p50/p90/p99, and the extra upstream attempts hedging cost (upstream requests / client
 * requests - 1; from x-switchboard-attempts: hedges started, lost).
 *
 * Then mid-stream resume: upstream a cuts --cut-share (default 0.1) of its streams (connection reset) after a random
 * 1..4 of its 5 content chunks, with no slow tail; b answers a continuation request (the delivered text as an
 * assistant turn) with the rest of the same deterministic text. The same load runs with routing.resume off and on;
 * it reports how many streams were cut and the share of them the client received whole (all five words, one finish,
 * [DONE], no error event).
 */

import dev.switchboard.Switchboard;
import dev.switchboard.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

public class TailBench {
  record Result(int status, long ttftNanos, long totalNanos, String attempts, boolean whole) {
  }

  static final String FULL = "word0 word1 word2 word3 word4 ";
  /** Share of upstream a's first attempts that are cut mid-stream (the resume phase sets it). */
  static volatile double cutShare;
  static final AtomicInteger cuts = new AtomicInteger();

  static final AtomicInteger upstreamRequests = new AtomicInteger();
  static final AtomicInteger upstreamClosedEarly = new AtomicInteger();
  /** Whether the upstreams' heavy TTFT tail is on (the hedge phase) or off (the resume phase). */
  static volatile boolean slow = true;

  public static void main(String[] args) throws Exception {
    int requests = intArg(args, "--requests", 600);
    int concurrency = intArg(args, "--concurrency", 8);
    int medianMs = intArg(args, "--median-ms", 50);
    double slowShare = Double.parseDouble(strArg(args, "--slow-share", "0.05"));
    int slowFactor = intArg(args, "--slow-factor", 10);
    Vertx vertx = Vertx.vertx();
    HttpServer a = upstream(vertx, medianMs, slowShare, slowFactor, "a");
    HttpServer b = upstream(vertx, medianMs, slowShare, slowFactor, "b");
    System.out.printf("TTFT per upstream stream: %d ms median (±20%%), %.0f%% at %d× (%d ms); %d streams, "
            + "concurrency %d%n", medianMs, slowShare * 100, slowFactor, medianMs * slowFactor, requests, concurrency);
    System.out.println("setting                          TTFT p50   p90    p99  | done p50   p90    p99  | extra "
        + "attempts  hedges lost  errors");
    String[][] settings = {
        {"hedging off", "{enabled: false}"},
        {"hedge auto (p90 TTFT)", "{enabled: true, delay: auto, percentile: 0.9, min_delay: 20ms, budget: 0.1}"},
        {"hedge fixed 100ms", "{enabled: true, delay: 100ms, budget: 0.1}"},
        {"hedge auto, budget 0.02", "{enabled: true, delay: auto, percentile: 0.9, min_delay: 20ms, budget: 0.02, "
            + "burst: 2}"},
    };
    for (String[] s : settings) {
      run(vertx, a.actualPort(), b.actualPort(), s[0], s[1], requests, concurrency);
    }
    double cut = Double.parseDouble(strArg(args, "--cut-share", "0.1"));
    slow = false;
    System.out.printf("%nMid-stream resume: a cuts %.0f%% of its streams after 1..4 of 5 content chunks%n", cut * 100);
    System.out.println("setting                        streams  cut  completed whole  share of cut completed  extra attempts");
    for (String[] s : new String[][] {{"resume off", "{enabled: false}"}, {"resume on", "{enabled: true, max: 1}"}}) {
      cuts.set(0);
      cutShare = cut;
      runResume(vertx, a.actualPort(), b.actualPort(), s[0], s[1], requests, concurrency);
      cutShare = 0;
    }
    vertx.close();
    System.exit(0);
  }

  static void runResume(Vertx vertx, int aPort, int bPort, String name, String resume, int requests,
                        int concurrency) throws Exception {
    Switchboard gateway = gateway(aPort, bPort, "{enabled: false}\n  resume: " + resume);
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(concurrency));
    List<Result> results = Collections.synchronizedList(new ArrayList<>(requests));
    int before = upstreamRequests.get();
    load(client, options(gateway), BODY, requests, concurrency, results);
    int upstream = upstreamRequests.get() - before;
    int cut = cuts.get();
    long whole = results.stream().filter(Result::whole).count();
    // Streams that were not cut come through whole either way; the rest of the whole ones were cut and completed.
    long cutCompleted = Math.max(0, whole - (requests - cut));
    System.out.printf("%-30s %7d %4d %16d %22.1f%% %14d%n", name, requests, cut, whole,
        cut == 0 ? 100.0 : 100.0 * cutCompleted / cut, upstream - requests);
    client.close();
    gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static final Buffer BODY = Buffer.buffer(
      "{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

  static RequestOptions options(Switchboard gateway) {
    return new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
        .setPort(gateway.port()).setURI("/v1/chat/completions").putHeader("content-type", "application/json");
  }

  static Switchboard gateway(int aPort, int bPort, String hedge) throws Exception {
    String yaml = """
        server: {host: 127.0.0.1, port: 0, instances: 1}
        logging: {access_log: false, level: warn}
        health: {enabled: false}
        cache: {mode: off}
        routing:
          hedge: %s
          explore: 0
        providers:
          a: {base_url: "http://127.0.0.1:%d/v1", models: [m], max_connections: 200, timeouts: {connect: 1s, first_byte: 5s, idle: 5s, total: 10s}}
          b: {base_url: "http://127.0.0.1:%d/v1", models: [m], max_connections: 200, timeouts: {connect: 1s, first_byte: 5s, idle: 5s, total: 10s}}
        models:
          chat:
            strategy: priority
            targets: [{provider: a, model: m}, {provider: b, model: m}]
        """.formatted(hedge, aPort, bPort);
    return Switchboard.start(ConfigLoader.fromYaml(yaml, Map.of())).toCompletionStage()
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static void run(Vertx vertx, int aPort, int bPort, String name, String hedge, int requests, int concurrency)
      throws Exception {
    Switchboard gateway = gateway(aPort, bPort, hedge);
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(concurrency));
    Buffer body = Buffer.buffer("{\"model\":\"chat\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
        .setPort(gateway.port()).setURI("/v1/chat/completions").putHeader("content-type", "application/json");
    load(client, options, body, 200, concurrency, new ArrayList<>());
    List<Result> results = Collections.synchronizedList(new ArrayList<>(requests));
    int before = upstreamRequests.get();
    load(client, options, body, requests, concurrency, results);
    int upstream = upstreamRequests.get() - before;
    List<Long> ttft = results.stream().filter(r -> r.status() == 200).map(Result::ttftNanos).sorted().toList();
    List<Long> total = results.stream().filter(r -> r.status() == 200).map(Result::totalNanos).sorted().toList();
    long lost = results.stream().filter(r -> r.attempts() != null && r.attempts().contains("hedge_lost")).count();
    long errors = results.stream().filter(r -> r.status() != 200).count();
    System.out.printf("%-30s %8.1f %6.1f %6.1f | %8.1f %6.1f %6.1f | %6.1f%% (%d) %11d %7d%n", name,
        ms(pct(ttft, 50)), ms(pct(ttft, 90)), ms(pct(ttft, 99)), ms(pct(total, 50)), ms(pct(total, 90)),
        ms(pct(total, 99)), 100.0 * (upstream - requests) / requests, upstream - requests, lost, errors);
    client.close();
    gateway.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static void load(HttpClient client, RequestOptions options, Buffer body, int total, int concurrency,
                   List<Result> results) throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    CountDownLatch done = new CountDownLatch(total);
    for (int c = 0; c < concurrency; c++) {
      sendNext(client, options, body, total, next, results, done);
    }
    done.await(10, TimeUnit.MINUTES);
  }

  static void sendNext(HttpClient client, RequestOptions options, Buffer body, int total, AtomicInteger next,
                       List<Result> results, CountDownLatch done) {
    if (next.getAndIncrement() >= total) {
      return;
    }
    long t0 = System.nanoTime();
    client.request(options)
        .compose(req -> req.send(body))
        .compose(resp -> {
          Promise<Result> p = Promise.promise();
          long[] first = {0};
          Buffer all = Buffer.buffer();
          resp.handler(chunk -> {
            if (first[0] == 0) {
              first[0] = System.nanoTime();
            }
            all.appendBuffer(chunk);
          });
          resp.endHandler(v -> p.tryComplete(new Result(resp.statusCode(), first[0] - t0, System.nanoTime() - t0,
              resp.getHeader("x-switchboard-attempts"), whole(all.toString()))));
          resp.exceptionHandler(p::tryFail);
          return p.future();
        })
        .recover(err -> Future.succeededFuture(new Result(0, 0, System.nanoTime() - t0, null, false)))
        .onComplete(ar -> {
          results.add(ar.result());
          done.countDown();
          sendNext(client, options, body, total, next, results, done);
        });
  }

  /** Whether a client stream is the whole deterministic answer: every word once, one finish, [DONE], no error. */
  static boolean whole(String body) {
    StringBuilder text = new StringBuilder();
    int finishes = 0;
    for (String line : body.split("\n")) {
      if (!line.startsWith("data: ") || line.equals("data: [DONE]")) {
        continue;
      }
      io.vertx.core.json.JsonObject o = new io.vertx.core.json.JsonObject(line.substring(6));
      if (o.containsKey("error")) {
        return false;
      }
      io.vertx.core.json.JsonArray choices = o.getJsonArray("choices");
      if (choices != null && !choices.isEmpty()) {
        io.vertx.core.json.JsonObject c = choices.getJsonObject(0);
        text.append(c.getJsonObject("delta").getString("content", ""));
        finishes += c.getValue("finish_reason") != null ? 1 : 0;
      }
    }
    return FULL.contentEquals(text) && finishes == 1 && body.endsWith("data: [DONE]\n\n");
  }

  static String chunk(String id, String delta, String finish) {
    return "data: {\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
        + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
  }

  static HttpServer upstream(Vertx vertx, int medianMs, double slowShare, int slowFactor, String name)
      throws Exception {
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      upstreamRequests.incrementAndGet();
      ThreadLocalRandom rnd = ThreadLocalRandom.current();
      long ttft = Math.round(medianMs * (0.8 + 0.4 * rnd.nextDouble()));
      io.vertx.core.json.JsonArray messages = b.toJsonObject().getJsonArray("messages");
      if (messages.size() > 1) {
        // A continuation: the rest of the text after what the gateway delivered (the assistant turn).
        String delivered = messages.getJsonObject(messages.size() - 2).getString("content");
        HttpServerResponse resp = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
        String id = "chatcmpl-" + name;
        resp.write(chunk(id, "{\"role\":\"assistant\",\"content\":\"\"}", "null"));
        String rest = FULL.substring(Math.min(FULL.length(), delivered.length()));
        vertx.setTimer(ttft, t -> {
          resp.write(chunk(id, new io.vertx.core.json.JsonObject().put("content", rest).encode(), "null"));
          resp.write(chunk(id, "{}", "\"stop\""));
          resp.end("data: [DONE]\n\n");
        });
        return;
      }
      int cutAfter = name.equals("a") && rnd.nextDouble() < cutShare ? 1 + rnd.nextInt(4) : -1;
      if (cutAfter > 0) {
        cuts.incrementAndGet();
      }
      if (slow && rnd.nextDouble() < slowShare) {
        ttft *= slowFactor;
      }
      HttpServerResponse resp = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
      String id = "chatcmpl-" + name;
      resp.write(chunk(id, "{\"role\":\"assistant\",\"content\":\"\"}", "null"));
      vertx.setTimer(ttft, t -> pieces(vertx, resp, id, 0, cutAfter));
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static void pieces(Vertx vertx, HttpServerResponse resp, String id, int i, int cutAfter) {
    if (resp.closed()) {
      upstreamClosedEarly.incrementAndGet();
      return;
    }
    if (i == cutAfter) {
      resp.reset();
      return;
    }
    if (i == 5) {
      resp.write(chunk(id, "{}", "\"stop\""));
      resp.end("data: [DONE]\n\n");
      return;
    }
    resp.write(chunk(id, "{\"content\":\"word" + i + " \"}", "null"));
    vertx.setTimer(2, t -> pieces(vertx, resp, id, i + 1, cutAfter));
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
    return Integer.parseInt(strArg(args, name, Integer.toString(def)));
  }

  static String strArg(String[] args, String name, String def) {
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return def;
  }
}
