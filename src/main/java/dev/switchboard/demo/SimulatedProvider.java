package dev.switchboard.demo;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * An in-process OpenAI-compatible provider on loopback for demo mode: {@code GET /v1/models} and
 * {@code POST /v1/chat/completions} (JSON and SSE streams with usage), answering after a configurable latency, with
 * error bursts and outages on a schedule, and a manual outage switch ({@link #outage(Duration)}, or
 * {@code POST /control/outage?seconds=N} and {@code POST /control/restore} on its own port).
 *
 * <p>During an error burst a share of requests get 500/503/429; during an outage every request, probes included,
 * gets its connection closed without an answer, as a crashed upstream would.
 */
public final class SimulatedProvider {
  private static final Logger LOG = Logger.getLogger(SimulatedProvider.class.getName());
  private static final String[] WORDS = ("Switchboard routes every request to the best provider it can find and "
      + "fails over when one of them misbehaves so the client never notices").split(" ");

  /**
   * How the provider behaves. Latency in ms (uniform jitter on top); a burst of {@code burstFor} ms every
   * {@code burstEvery} ms fails {@code burstErrorRate} of requests; an outage of {@code outageFor} ms every
   * {@code outageEvery} ms starting {@code outageOffset} ms after start. 0 turns a schedule off.
   */
  public record Behaviour(long latencyMs, long jitterMs, double errorRate, long burstEvery, long burstFor,
                          double burstErrorRate, long outageEvery, long outageFor, long outageOffset) {
    public static Behaviour steady(long latencyMs, long jitterMs) {
      return new Behaviour(latencyMs, jitterMs, 0.0, 0, 0, 0, 0, 0, 0);
    }
  }

  private final String id;
  private final Behaviour behaviour;
  private final Vertx vertx;
  private final long started = System.currentTimeMillis();
  private volatile long manualOutageUntil;
  private volatile boolean manualRestored;
  private HttpServer server;

  public SimulatedProvider(Vertx vertx, String id, Behaviour behaviour) {
    this.vertx = vertx;
    this.id = id;
    this.behaviour = behaviour;
  }

  public Future<SimulatedProvider> start() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)).requestHandler(this::handle);
    return server.listen().map(s -> this);
  }

  public Future<Void> close() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  public String id() {
    return id;
  }

  public int port() {
    return server.actualPort();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  /** Takes the provider down now for the given time, whatever its schedule says. */
  public void outage(Duration duration) {
    manualRestored = false;
    manualOutageUntil = System.currentTimeMillis() + duration.toMillis();
    LOG.info("demo: provider " + id + " is down for " + duration.toSeconds() + " s (manual outage)");
  }

  /** Ends a manual outage and ignores the scheduled outages and bursts from now on. */
  public void restore() {
    manualOutageUntil = 0;
    manualRestored = true;
    LOG.info("demo: provider " + id + " restored; its schedule is off");
  }

  /** Whether the provider is in an outage right now (manual or scheduled). */
  public boolean down() {
    long now = System.currentTimeMillis();
    if (now < manualOutageUntil) {
      return true;
    }
    return !manualRestored && inPhase(now, behaviour.outageEvery(), behaviour.outageFor(), behaviour.outageOffset());
  }

  private boolean bursting() {
    return !manualRestored && inPhase(System.currentTimeMillis(), behaviour.burstEvery(), behaviour.burstFor(),
        behaviour.burstEvery() / 2);
  }

  private boolean inPhase(long now, long every, long length, long offset) {
    if (every <= 0 || length <= 0) {
      return false;
    }
    long t = now - started - offset;
    return t >= 0 && t % every < length;
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (path.startsWith("/control/")) {
      control(req);
      return;
    }
    if (down()) {
      // A crashed upstream: the connection closes without an answer.
      req.connection().close();
      return;
    }
    if (path.endsWith("/models")) {
      delay(behaviour.latencyMs() / 4, () -> req.response().putHeader("content-type", "application/json")
          .end(new JsonObject().put("object", "list").put("data", new JsonArray()
              .add(new JsonObject().put("id", "demo-model").put("object", "model").put("owned_by", id))).encode()));
      return;
    }
    if (!path.endsWith("/chat/completions") || !"POST".equals(req.method().name())) {
      req.response().setStatusCode(404).putHeader("content-type", "application/json")
          .end(error("not_found", "Unknown path " + path).encode());
      return;
    }
    req.body().onSuccess(body -> chat(req, body));
  }

  private void control(HttpServerRequest req) {
    if (req.path().equals("/control/outage")) {
      String s = req.getParam("seconds");
      outage(Duration.ofSeconds(s == null ? 20 : Long.parseLong(s)));
    } else if (req.path().equals("/control/restore")) {
      restore();
    } else {
      req.response().setStatusCode(404).end();
      return;
    }
    req.response().putHeader("content-type", "application/json")
        .end(new JsonObject().put("provider", id).put("down", down()).encode());
  }

  private void chat(HttpServerRequest req, Buffer body) {
    JsonObject request;
    try {
      request = body.toJsonObject();
    } catch (RuntimeException e) {
      req.response().setStatusCode(400).end(error("invalid_json", "bad json").encode());
      return;
    }
    ThreadLocalRandom r = ThreadLocalRandom.current();
    long latency = behaviour.latencyMs() + (behaviour.jitterMs() > 0 ? r.nextLong(behaviour.jitterMs() + 1) : 0);
    double failShare = bursting() ? behaviour.burstErrorRate() : behaviour.errorRate();
    if (r.nextDouble() < failShare) {
      int[] statuses = {500, 503, 429};
      int status = statuses[r.nextInt(statuses.length)];
      delay(latency / 3, () -> {
        var resp = req.response().setStatusCode(status).putHeader("content-type", "application/json");
        if (status == 429) {
          resp.putHeader("retry-after", "1");
        }
        resp.end(error(status == 429 ? "rate_limit_exceeded" : "server_error", "simulated error burst on " + id)
            .encode());
      });
      return;
    }
    String model = request.getString("model", "demo-model");
    int words = 8 + r.nextInt(16);
    long prompt = promptTokens(request);
    boolean stream = request.getBoolean("stream", false);
    if (!stream) {
      delay(latency, () -> req.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("id", "chatcmpl-" + id + "-" + r.nextInt(1_000_000)).put("object", "chat.completion")
          .put("created", System.currentTimeMillis() / 1000).put("model", model)
          .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("finish_reason", "stop")
              .put("message", new JsonObject().put("role", "assistant").put("content", text(words)))))
          .put("usage", usage(prompt, words)).encode()));
      return;
    }
    boolean usage = request.getJsonObject("stream_options", new JsonObject()).getBoolean("include_usage", false);
    String chunkId = "chatcmpl-" + id + "-" + r.nextInt(1_000_000);
    delay(latency, () -> {
      var resp = req.response().setChunked(true).putHeader("content-type", "text/event-stream");
      resp.write(chunk(chunkId, model, new JsonObject().put("role", "assistant").put("content", ""), null));
      streamWords(resp, chunkId, model, 0, words, usage ? usage(prompt, words) : null);
    });
  }

  private void streamWords(io.vertx.core.http.HttpServerResponse resp, String chunkId, String model, int i, int words,
                           JsonObject usage) {
    if (resp.closed()) {
      return;
    }
    if (i == words) {
      resp.write(chunk(chunkId, model, new JsonObject(), "stop"));
      if (usage != null) {
        resp.write("data: " + new JsonObject().put("id", chunkId).put("object", "chat.completion.chunk")
            .put("created", System.currentTimeMillis() / 1000).put("model", model).put("choices", new JsonArray())
            .put("usage", usage).encode() + "\n\n");
      }
      resp.end("data: [DONE]\n\n");
      return;
    }
    resp.write(chunk(chunkId, model, new JsonObject().put("content", (i == 0 ? "" : " ") + WORDS[i % WORDS.length]),
        null));
    vertx.setTimer(15, t -> streamWords(resp, chunkId, model, i + 1, words, usage));
  }

  private static String chunk(String chunkId, String model, JsonObject delta, String finish) {
    return "data: " + new JsonObject().put("id", chunkId).put("object", "chat.completion.chunk")
        .put("created", System.currentTimeMillis() / 1000).put("model", model)
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("delta", delta)
            .put("finish_reason", finish))).encode() + "\n\n";
  }

  private static String text(int words) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < words; i++) {
      b.append(i == 0 ? "" : " ").append(WORDS[i % WORDS.length]);
    }
    return b.append('.').toString();
  }

  private static long promptTokens(JsonObject request) {
    JsonArray messages = request.getJsonArray("messages", new JsonArray());
    long n = 0;
    for (Object m : messages) {
      if (m instanceof JsonObject o && o.getValue("content") instanceof String s) {
        n += s.split("\\s+").length + 4;
      }
    }
    return Math.max(1, n);
  }

  private static JsonObject usage(long prompt, long completion) {
    return new JsonObject().put("prompt_tokens", prompt).put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
  }

  private static JsonObject error(String code, String message) {
    return new JsonObject().put("error", new JsonObject().put("message", message).put("type", "server_error")
        .put("code", code));
  }

  private void delay(long ms, Runnable action) {
    if (ms <= 0) {
      action.run();
    } else {
      vertx.setTimer(ms, t -> action.run());
    }
  }
}
