package dev.switchboard.demo;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Demo mode's clients: a few requests a second through the gateway, JSON and streams, to the demo's aliases, with
 * the demo client keys. A share of them ({@value #REPEATED_PERCENT}%) are deterministic ({@code temperature: 0}) and
 * ask one of a few FAQ prompts again and again, so the response cache (mode {@code deterministic}) serves hits and the
 * dashboard's cache panel has something to show. Replies are read to the end and dropped; at most
 * {@code maxInFlight} are outstanding, so a stalled gateway is not flooded.
 */
public final class TrafficGenerator {
  private static final String[] PROMPTS = {"Say hello", "Summarise the plot of Hamlet in one line",
      "Write a haiku about failover", "What is a circuit breaker?", "Count to five"};
  /** Asked again and again with temperature 0: cacheable, so after the first of each they are cache hits. */
  static final String[] FAQ = {"What are your opening hours?", "How do I reset my password?"};
  static final int REPEATED_PERCENT = 30;
  private final Vertx vertx;
  private final HttpClient client;
  private final int port;
  private final long periodMs;
  private final int maxInFlight = 32;
  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong ok = new AtomicLong();
  private long timer = -1;

  public TrafficGenerator(Vertx vertx, int gatewayPort, double requestsPerSecond) {
    this.vertx = vertx;
    this.port = gatewayPort;
    this.periodMs = Math.max(10, Math.round(1000 / requestsPerSecond));
    this.client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(gatewayPort), new PoolOptions().setHttp1MaxSize(maxInFlight));
  }

  public void start() {
    timer = vertx.setPeriodic(periodMs, id -> fire());
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    client.close();
  }

  public long sent() {
    return sent.get();
  }

  /** Requests that got a 2xx reply. */
  public long succeeded() {
    return ok.get();
  }

  private void fire() {
    if (inFlight.get() >= maxInFlight) {
      return;
    }
    ThreadLocalRandom r = ThreadLocalRandom.current();
    String model = r.nextInt(10) < 7 ? "demo-chat" : "demo-priority";
    boolean stream = r.nextInt(10) < 3;
    String key = r.nextInt(10) < 8 ? Demo.TRAFFIC_KEY : Demo.USER_KEY;
    JsonObject body = request(r.nextInt(100) < REPEATED_PERCENT, model, stream, r);
    inFlight.incrementAndGet();
    sent.incrementAndGet();
    client.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/chat/completions")
            .putHeader("content-type", "application/json").putHeader("authorization", "Bearer " + key))
        .compose(req -> req.send(body.toBuffer()))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> {
          inFlight.decrementAndGet();
          if (ar.succeeded() && ar.result() < 300) {
            ok.incrementAndGet();
          }
        });
  }

  /** One chat request: a repeated FAQ at temperature 0 (cacheable), or a varied prompt at the default temperature. */
  static JsonObject request(boolean repeated, String model, boolean stream, ThreadLocalRandom r) {
    JsonObject body = new JsonObject().put("model", model).put("stream", stream).put("max_tokens", 64);
    String prompt;
    if (repeated) {
      body.put("temperature", 0);
      prompt = FAQ[r.nextInt(FAQ.length)];
    } else {
      prompt = PROMPTS[r.nextInt(PROMPTS.length)];
    }
    return body.put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", prompt)));
  }

  public int port() {
    return port;
  }
}
