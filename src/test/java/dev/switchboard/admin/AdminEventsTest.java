package dev.switchboard.admin;

import dev.switchboard.Switchboard;
import dev.switchboard.demo.Demo;
import dev.switchboard.demo.SimulatedProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** {@code GET /admin/events} over plain HTTP: authentication, the events' order and shape, bounded buffering. */
class AdminEventsTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static Demo<Switchboard> demo;

  @BeforeAll
  static void start() throws Exception {
    Map<String, SimulatedProvider.Behaviour> quiet = new LinkedHashMap<>();
    quiet.put("steady", SimulatedProvider.Behaviour.steady(10, 5));
    quiet.put("flaky", SimulatedProvider.Behaviour.steady(10, 5));
    quiet.put("sometimes-down", SimulatedProvider.Behaviour.steady(10, 5));
    demo = Demo.start(0, quiet, 0, Switchboard::start).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    demo.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + demo.gateway().port() + path;
  }

  private static LiveEvents live() {
    return demo.gateway().services().live();
  }

  @Test
  void needsTheAdminKey() throws Exception {
    HttpResponse<String> none = HTTP.send(HttpRequest.newBuilder(URI.create(url("/admin/events"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(new JsonObject(none.body()).getJsonObject("error").getString("code")).isEqualTo("missing_api_key");
    HttpResponse<String> wrong = HTTP.send(HttpRequest.newBuilder(URI.create(url("/admin/events")))
        .header("Authorization", "Bearer nope").build(), HttpResponse.BodyHandlers.ofString());
    assertThat(wrong.statusCode()).isEqualTo(401);
    // The page itself is served without a key; it holds no data.
    HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(url("/dashboard"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
    assertThat(page.headers().firstValue("content-security-policy")).isPresent();
    assertThat(page.body()).contains("Admin key");
  }

  @Test
  void switchedOffWithoutAnAdminKey() throws Exception {
    try (GatewayUnderTest gw = TestConfig.empty().provider("local", "{type: local, models: [m]}").start()) {
      HttpResponse<String> r = gw.get("/admin/events", "Authorization", "Bearer anything");
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).contains("admin_disabled");
    }
  }

  @Test
  void helloThenSnapshotsThenTransitionsInOrder() throws Exception {
    LinkedBlockingQueue<String[]> events = new LinkedBlockingQueue<>();
    HttpResponse<java.util.stream.Stream<String>> r = HTTP.send(HttpRequest.newBuilder(URI.create(url("/admin/events")))
        .header("Authorization", "Bearer " + Demo.ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofLines());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    Thread reader = new Thread(() -> {
      String[] frame = new String[3];
      try {
        r.body().forEach(line -> {
        if (line.startsWith("id: ")) {
          frame[0] = line.substring(4);
        } else if (line.startsWith("event: ")) {
          frame[1] = line.substring(7);
        } else if (line.startsWith("data: ")) {
          frame[2] = line.substring(6);
        } else if (line.isEmpty() && frame[1] != null) {
          events.add(frame.clone());
          frame[0] = frame[1] = frame[2] = null;
        }
        });
      } catch (java.io.UncheckedIOException closedByTheTest) {
        // The test closes the stream when it is done.
      }
    }, "sse-reader");
    reader.setDaemon(true);
    reader.start();
    try {
      String[] hello = events.poll(30, TimeUnit.SECONDS);
      assertThat(hello[1]).isEqualTo("hello");
      JsonObject h = new JsonObject(hello[2]);
      assertThat(h.getJsonArray("providers").getList()).contains("steady", "flaky", "sometimes-down");
      assertThat(h.getJsonObject("features").getBoolean("cache")).as("the cache admin API is mounted").isTrue();
      String[] first = events.poll(30, TimeUnit.SECONDS);
      assertThat(first[1]).isEqualTo("snapshot");
      JsonObject snapshot = new JsonObject(first[2]);
      JsonObject steady = snapshot.getJsonArray("providers").stream().map(o -> (JsonObject) o)
          .filter(o -> o.getString("id").equals("steady")).findFirst().orElseThrow();
      assertThat(steady.getJsonObject("health").getString("state")).isNotNull();
      assertThat(steady.getJsonObject("circuit").getString("state")).isEqualTo("closed");
      assertThat(steady.getJsonObject("live").fieldNames()).contains("requests_per_second", "latency_p50_ms",
          "latency_p99_ms", "ttft_p50_ms", "ttft_p99_ms", "tokens_total", "error_rate");
      assertThat(snapshot.getJsonObject("quotas").getJsonArray("providers")).isNotNull();
      await().atMost(Duration.ofSeconds(10)).until(() -> live().watching());

      // A request while watching: its summary arrives, and the window counts it.
      HttpResponse<String> chat = HTTP.send(HttpRequest.newBuilder(URI.create(url("/v1/chat/completions")))
          .header("Authorization", "Bearer demo-traffic-key").header("content-type", "application/json")
          .header("x-switchboard-provider", "steady")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo-chat\",\"messages\":[{\"role\":\"user\","
              + "\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(chat.statusCode()).isEqualTo(200);
      JsonObject summary = next(events, "request");
      assertThat(summary.getString("provider")).isEqualTo("steady");
      assertThat(summary.getInteger("status")).isEqualTo(200);
      assertThat(summary.getJsonArray("attempts").getList()).containsExactly("steady:200");
      assertThat(summary.getLong("tokens")).isPositive();
      await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
        JsonObject p = provider(next(events, "snapshot"), "steady");
        assertThat(p.getJsonObject("live").getInteger("requests")).isGreaterThanOrEqualTo(1);
        assertThat(p.getJsonObject("live").getLong("latency_p50_ms")).isNotNull();
      });

      // An admin action: its health transition comes as an event, and later snapshots show it.
      HttpResponse<String> m = HTTP.send(HttpRequest.newBuilder(URI.create(url("/admin/providers/flaky/maintenance")))
          .header("Authorization", "Bearer " + Demo.ADMIN_KEY).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(m.statusCode()).isEqualTo(200);
      // Other providers' first probes may still be settling (unknown -> healthy): wait for flaky's transition.
      JsonObject health = next(events, "health", e -> "flaky".equals(e.getString("provider")));
      assertThat(health.getString("provider")).isEqualTo("flaky");
      assertThat(health.getString("to")).isEqualTo("maintenance");
      JsonObject after = provider(next(events, "snapshot"), "flaky");
      assertThat(after.getJsonObject("health").getString("state")).isEqualTo("maintenance");
      HTTP.send(HttpRequest.newBuilder(URI.create(url("/admin/providers/flaky/enable")))
          .header("Authorization", "Bearer " + Demo.ADMIN_KEY).POST(HttpRequest.BodyPublishers.noBody()).build(),
          HttpResponse.BodyHandlers.ofString());
    } finally {
      r.body().close();
    }
    // The stream's end is noticed: nobody watches, so the request path stops reporting.
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(live().streams()).isZero());
    assertThat(live().watching()).isFalse();
  }

  @Test
  void requestsServedWhileNoDashboardWatchesAreInTheFirstSnapshot() throws Exception {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(live().streams()).isZero());
    long before = provider(live().snapshot(), "steady").getJsonObject("live").getInteger("requests");
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> chat = HTTP.send(HttpRequest.newBuilder(URI.create(url("/v1/chat/completions")))
          .header("Authorization", "Bearer demo-traffic-key").header("content-type", "application/json")
          .header("x-switchboard-provider", "steady")
          .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"demo-chat\",\"messages\":[{\"role\":\"user\","
              + "\"content\":\"hi\"}]}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(chat.statusCode()).isEqualTo(200);
    }
    assertThat(live().watching()).isFalse();

    // The reply's finish listeners run just after the client has it: wait for the window to see the third.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      JsonObject steady = provider(live().snapshot(), "steady").getJsonObject("live");
      assertThat(steady.getInteger("requests")).as("the window is fed with nobody watching")
          .isGreaterThanOrEqualTo((int) before + 3);
      assertThat(steady.getDouble("requests_per_second")).isPositive();
    });
  }

  @Test
  void aDashboardThatDoesNotReadHasEventsDroppedNotBuffered() throws Exception {
    long droppedBefore = live().droppedEvents();
    try (Socket socket = new Socket("127.0.0.1", demo.gateway().port())) {
      socket.setReceiveBufferSize(4096);
      OutputStream out = socket.getOutputStream();
      out.write(("GET /admin/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + Demo.ADMIN_KEY
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      assertThat(in.readLine()).startsWith("HTTP/1.1 200");
      await().atMost(Duration.ofSeconds(10)).until(() -> live().streams() >= 1);
      // Never read again: flood the bus with large health events until the stream's queue is full.
      String padding = "x".repeat(16 * 1024);
      var bus = demo.gateway().vertx().eventBus();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
        for (int i = 0; i < 200; i++) {
          bus.publish("switchboard.health", new JsonObject().put("provider", "steady").put("from", "healthy")
              .put("to", "healthy").put("reason", padding).put("at", System.currentTimeMillis()));
        }
        return live().droppedEvents() > droppedBefore + 100;
      });
      // The gateway still serves, and the stream is still open (merely behind).
      assertThat(live().streams()).isGreaterThanOrEqualTo(1);
      HttpResponse<String> ok = HTTP.send(HttpRequest.newBuilder(URI.create(url("/admin/providers")))
          .header("Authorization", "Bearer " + Demo.ADMIN_KEY).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      HttpResponse<String> metrics = HTTP.send(HttpRequest.newBuilder(URI.create(url("/metrics"))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.body()).contains("switchboard_admin_events_dropped_total");
    }
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(live().streams()).isZero());
  }

  private static JsonObject next(LinkedBlockingQueue<String[]> events, String type) throws InterruptedException {
    return next(events, type, e -> true);
  }

  private static JsonObject next(LinkedBlockingQueue<String[]> events, String type,
                                 java.util.function.Predicate<JsonObject> which) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      String[] e = events.poll(1, TimeUnit.SECONDS);
      if (e != null && e[1].equals(type) && which.test(new JsonObject(e[2]))) {
        return new JsonObject(e[2]);
      }
    }
    throw new AssertionError("no matching " + type + " event within 30 s");
  }

  private static JsonObject provider(JsonObject snapshot, String id) {
    return snapshot.getJsonArray("providers").stream().map(o -> (JsonObject) o)
        .filter(o -> o.getString("id").equals(id)).findFirst().orElseThrow();
  }
}
