package dev.switchboard.admin;

import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.SseClient;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Reloading the config file and changing providers and aliases through the admin API while the gateway serves:
 * nothing in flight is cut, an invalid config changes nothing, state carries over by provider id.
 */
class ConfigReloadTest {
  static final String ADMIN_KEY = "sb-admin-reload-4242";
  private static final String KEY_A = "sk-reload-a-key-0000";
  private static final String KEY_B = "sk-reload-b-key-1111";
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();

  private final FakeProvider a = new FakeProvider();
  private final FakeProvider b = new FakeProvider();
  private final Path dir = GatewayUnderTest.freshDirectory();
  private final Path file = dir.resolve("switchboard.yaml");
  private final List<GatewayUnderTest> gateways = new ArrayList<>();

  @AfterEach
  void stop() {
    gateways.forEach(GatewayUnderTest::close);
    a.close();
    b.close();
  }

  /** The fixed part of every config here: loopback, the admin key, no probes, the ledger and overlay in {@link #dir}. */
  static TestConfig base(Path dir, String health) {
    return TestConfig.empty().adminKey(ADMIN_KEY).server()
        .section("health", health)
        .section("usage", "{persist: false, data_dir: \"" + dir + "\"}")
        .routing("{strategy: priority, explore: 0}");
  }

  private TestConfig base() {
    return base(dir, "{enabled: false}");
  }

  private GatewayUnderTest start(TestConfig config) throws Exception {
    Files.writeString(file, config.yaml());
    GatewayUnderTest gateway = GatewayUnderTest.startFile(file, Map.of());
    gateways.add(gateway);
    return gateway;
  }

  static HttpResponse<String> admin(GatewayUnderTest gateway, String method, String path, String body)
      throws Exception {
    return gateway.send(method, path, body, "Authorization", "Bearer " + ADMIN_KEY);
  }

  private static String provider(FakeProvider fake, String key, String... models) {
    return new JsonObject().put("type", "openai").put("base_url", fake.baseUrl()).put("api_key", key)
        .put("models", List.of(models)).encode();
  }

  @Test
  void reloadAddsAnAliasThatNewRequestsThenReach() throws Exception {
    a.chatJson("from a");
    GatewayUnderTest gateway = start(base().provider("a", a, KEY_A, "m").model("chat", "a/m"));
    assertThat(gateway.chat(Requests.chat("chat2", "hi")).statusCode()).isEqualTo(404);

    Files.writeString(file, base().provider("a", a, KEY_A, "m").model("chat", "a/m").model("chat2", "a/m").yaml());
    HttpResponse<String> reload = admin(gateway, "POST", "/admin/config/reload", null);

    assertThat(reload.statusCode()).isEqualTo(200);
    JsonObject outcome = new JsonObject(reload.body());
    assertThat(outcome.getString("result")).isEqualTo("applied");
    assertThat(outcome.getJsonArray("models").getList()).containsExactly("chat2");
    assertThat(outcome.getJsonObject("providers").getJsonArray("changed").getList())
        .as("an unchanged provider keeps its object, state and client").isEmpty();
    HttpResponse<String> resp = gateway.chat(Requests.chat("chat2", "hi"));
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.body()).contains("from a");
    assertThat(gateway.get("/metrics").body()).contains("switchboard_config_reloads_total{result=\"applied\"} 1.0");
  }

  @Test
  void anInvalidReloadChangesNothingAndNamesEveryBadField() throws Exception {
    a.chatJson("from a");
    GatewayUnderTest gateway = start(base().provider("a", a, KEY_A, "m").model("chat", "a/m"));
    Files.writeString(file, base().provider("a", a, KEY_A, "m").with("base_urll: http://elsewhere")
        .model("chat", "a/m").model("chat2", "ghost/m").yaml());

    HttpResponse<String> reload = admin(gateway, "POST", "/admin/config/reload", null);

    assertThat(reload.statusCode()).isEqualTo(400);
    JsonObject body = new JsonObject(reload.body());
    assertThat(body.getJsonObject("error").getString("type")).isEqualTo("invalid_request_error");
    assertThat(body.getJsonArray("problems").encode()).contains("providers.a.base_urll: unknown field")
        .contains("models.chat2.targets[0]");
    assertThat(gateway.chat(Requests.chat("chat", "hi")).statusCode()).as("the old config still serves")
        .isEqualTo(200);
    assertThat(gateway.chat(Requests.chat("chat2", "hi")).statusCode()).isEqualTo(404);
    assertThat(gateway.get("/metrics").body()).contains("switchboard_config_reloads_total{result=\"invalid\"} 1.0")
        .doesNotContain("switchboard_config_reloads_total{result=\"applied\"}");
  }

  @Test
  void aChangedPortIsRefusedAsNeedingARestart() throws Exception {
    a.chatJson("from a");
    GatewayUnderTest gateway = start(base().provider("a", a, KEY_A, "m"));
    Files.writeString(file, base().server("port: 1").provider("a", a, KEY_A, "m").model("chat", "a/m").yaml());

    HttpResponse<String> reload = admin(gateway, "POST", "/admin/config/reload", null);

    assertThat(reload.statusCode()).isEqualTo(400);
    assertThat(reload.body()).contains("server.port: changing it needs a restart");
    assertThat(gateway.chat(Requests.chat("chat", "hi")).statusCode()).as("nothing of the file applied")
        .isEqualTo(404);
  }

  @Test
  void reloadsUnderLoadCutNoStreamAndFailNoRequest() throws Exception {
    // JSON requests go to their own fast upstream, so their latency is the gateway's, not a busy fake's.
    b.chatJson("from b");
    List<String> chunks = FakeProvider.chatChunks("chatcmpl-1", "m", "one", " two", " three", " four");
    a.stub(com.github.tomakehurst.wiremock.client.WireMock.post(urlPathEqualTo("/v1/chat/completions"))
        .withRequestBody(com.github.tomakehurst.wiremock.client.WireMock.containing("\"stream\":true"))
        .atPriority(1)
        .willReturn(FakeProvider.sseReply(FakeProvider.sse(chunks)).withChunkedDribbleDelay(4, 200)));
    TestConfig one = base().provider("a", a, KEY_A, "m").provider("b", b, KEY_B, "fast").model("chat", "a/m");
    GatewayUnderTest gateway = start(one);

    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    java.util.concurrent.atomic.AtomicLong done = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    // For the report only (no assertion on time): latencies of JSON requests that started while a reload was being
    // processed, and of the others (by start time: classing by overlap would favour long requests).
    java.util.concurrent.atomic.AtomicBoolean reloading = new java.util.concurrent.atomic.AtomicBoolean();
    ConcurrentLinkedQueue<Long> duringReload = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Long> otherwise = new ConcurrentLinkedQueue<>();
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      boolean stream = i < 50;
      clients.add(CompletableFuture.runAsync(() -> {
        while (running.get()) {
          Requests.Chat chat = stream ? Requests.chat("chat", "hi").stream() : Requests.chat("fast", "hi");
          try {
            boolean reloadAtStart = reloading.get();
            long t0 = System.nanoTime();
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(gateway.baseUrl()
                    + "/v1/chat/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(chat.toString())).build(), HttpResponse.BodyHandlers.ofString());
            String problem = r.statusCode() != 200 ? "status " + r.statusCode() + ": " + r.body()
                : stream && !(SseClient.dataEvents(r.body()).size() == chunks.size()
                && r.body().contains(" four") && r.body().trim().endsWith("data: [DONE]")) ? "cut stream: " + r.body()
                : !stream && !r.body().contains("from b") ? "bad reply: " + r.body() : null;
            if (problem != null) {
              errors.add(problem);
            }
            if (!stream) {
              (reloadAtStart ? duringReload : otherwise).add((System.nanoTime() - t0) / 1_000);
            }
            done.incrementAndGet();
          } catch (Exception e) {
            errors.add(e.toString());
          }
        }
      }, java.util.concurrent.Executors.newCachedThreadPool()));
    }
    // Every other reload also changes the routing section, which requests read per generation.
    TestConfig two = base().provider("a", a, KEY_A, "m").with("weight: 2").provider("b", b, KEY_B, "fast")
        .model("chat", "a/m").model("chat2", "a/m").routing("{strategy: round-robin, explore: 0, max_attempts: 3}");
    List<Long> swapMicros = new ArrayList<>();
    List<Long> reloadMillis = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      long before = done.get();
      // Each reload lands while streams are open: wait until some requests have finished since the last one.
      await().atMost(Duration.ofSeconds(30)).until(() -> done.get() >= before + 30);
      Files.writeString(file, (i % 2 == 0 ? two : one).yaml());
      long t0 = System.nanoTime();
      reloading.set(true);
      HttpResponse<String> reload = admin(gateway, "POST", "/admin/config/reload", null);
      reloading.set(false);
      reloadMillis.add((System.nanoTime() - t0) / 1_000_000);
      assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
      assertThat(new JsonObject(reload.body()).getString("result")).isEqualTo("applied");
      swapMicros.add(new JsonObject(reload.body()).getLong("swap_micros"));
    }
    long last = done.get();
    await().atMost(Duration.ofSeconds(30)).until(() -> done.get() >= last + 60);
    running.set(false);
    CompletableFuture.allOf(clients.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);

    System.out.println("reload under load: " + done.get() + " requests, swap micros " + swapMicros
        + ", reload call millis " + reloadMillis + "; JSON latency micros during reloads " + percentiles(duringReload)
        + ", otherwise " + percentiles(otherwise));
    assertThat(errors).as("errors and cut streams during ten reloads").isEmpty();
    assertThat(gateway.get("/metrics").body()).contains("switchboard_config_reloads_total{result=\"applied\"} 10.0");
  }

  private static String percentiles(java.util.Collection<Long> micros) {
    List<Long> sorted = new ArrayList<>(micros);
    java.util.Collections.sort(sorted);
    if (sorted.isEmpty()) {
      return "(none)";
    }
    return "n=" + sorted.size() + " p50=" + sorted.get(sorted.size() / 2) + " p99="
        + sorted.get(Math.min(sorted.size() - 1, sorted.size() * 99 / 100)) + " max=" + sorted.get(sorted.size() - 1);
  }

  @Test
  void aProviderRemovedUnderLoadFinishesItsOpenStreams() throws Exception {
    List<String> chunks = FakeProvider.chatChunks("chatcmpl-1", "m", "from", " a", " slowly");
    a.stub(com.github.tomakehurst.wiremock.client.WireMock.post(urlPathEqualTo("/v1/chat/completions"))
        .willReturn(FakeProvider.sseReply(FakeProvider.sse(chunks)).withChunkedDribbleDelay(6, 1_500)));
    b.chatJson("from b");
    GatewayUnderTest gateway = start(base().provider("a", a, KEY_A, "m").provider("b", b, KEY_B, "m"));
    List<CompletableFuture<HttpResponse<String>>> streams = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      streams.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(gateway.baseUrl() + "/v1/chat/completions"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(Requests.chat("m", "hi").stream().toString())).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> a.server().getAllServeEvents().size() == 10);

    HttpResponse<String> removed = admin(gateway, "DELETE", "/admin/providers/a", null);

    assertThat(removed.statusCode()).as(removed.body()).isEqualTo(200);
    assertThat(new JsonObject(removed.body()).getJsonObject("providers").getJsonArray("removed").getList())
        .containsExactly("a");
    HttpResponse<String> next = gateway.chat(Requests.chat("m", "hi"));
    assertThat(next.headers().firstValue("x-switchboard-provider")).hasValue("b");
    for (CompletableFuture<HttpResponse<String>> s : streams) {
      HttpResponse<String> r = s.get(30, TimeUnit.SECONDS);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("x-switchboard-provider")).hasValue("a");
      // The usage chunk goes (the client did not ask for it); [DONE] comes instead.
      assertThat(SseClient.dataEvents(r.body())).as("every chunk, then [DONE]").hasSize(chunks.size())
          .last().isEqualTo("[DONE]");
      assertThat(r.body()).contains(" slowly");
    }
    assertThat(admin(gateway, "GET", "/admin/providers", null).body()).doesNotContain("\"a\"");
  }

  @Test
  void aRotatedKeyIsUsedByTheNextAttemptAndNeverShown() throws Exception {
    a.chatJson("from a");
    GatewayUnderTest gateway = start(base().provider("a", a, KEY_A, "m"));
    io.vertx.core.eventbus.MessageConsumer<JsonObject> audit = null;
    ConcurrentLinkedQueue<JsonObject> events = new ConcurrentLinkedQueue<>();
    audit = gateway.switchboard().vertx().eventBus().consumer(AuditTrail.ADDRESS, m -> events.add(m.body()));
    String newKey = "sk-rotated-key-2222";

    HttpResponse<String> rotated = admin(gateway, "POST", "/admin/providers/a/key",
        new JsonObject().put("api_key", newKey).encode());

    assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
    assertThat(new JsonObject(rotated.body()).getJsonObject("providers").getJsonArray("changed").getList())
        .containsExactly("a");
    assertThat(gateway.chat(Requests.chat("m", "hi")).statusCode()).isEqualTo(200);
    a.server().verify(1, postRequestedFor(urlPathEqualTo("/v1/chat/completions"))
        .withHeader("Authorization", equalTo("Bearer " + newKey)));
    HttpResponse<String> config = admin(gateway, "GET", "/admin/config", null);
    assertThat(config.body()).doesNotContain(newKey).doesNotContain(KEY_A).doesNotContain(ADMIN_KEY);
    JsonObject sources = new JsonObject(config.body()).getJsonObject("sources");
    assertThat(sources.getString("providers.a")).isEqualTo("overlay");
    await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
    JsonObject event = events.peek();
    assertThat(event.getString("who")).isEqualTo("admin_key");
    assertThat(event.getString("action")).isEqualTo("provider.key");
    assertThat(event.getString("target")).isEqualTo("a");
    assertThat(event.getString("result")).isEqualTo("applied");
    assertThat(event.encode()).doesNotContain(newKey);
    audit.unregister();
  }

  @Test
  void aProviderAddedAtRuntimeIsProbedAtOnceAndServes() throws Exception {
    a.chatJson("from a");
    b.stub(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo("/v1/models"))
        .willReturn(FakeProvider.jsonReply(200, "{\"object\":\"list\",\"data\":[]}")));
    b.chatJson("from b");
    // Probes every hour: only the probe of a new provider can come soon.
    GatewayUnderTest gateway = start(TestConfig.empty().adminKey(ADMIN_KEY).server()
        .section("health", "{enabled: true, interval: 1h, jitter: 0}")
        .section("usage", "{persist: false, data_dir: \"" + dir + "\"}")
        .provider("a", a, KEY_A, "m"));

    HttpResponse<String> added = admin(gateway, "PUT", "/admin/providers/fresh", provider(b, KEY_B, "fresh-model"));

    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    assertThat(new JsonObject(added.body()).getJsonObject("providers").getJsonArray("added").getList())
        .containsExactly("fresh");
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      var h = gateway.switchboard().services().health().get("fresh");
      return h != null && h.snapshot().lastProbeOkMillis() > 0;
    });
    assertThat(gateway.switchboard().services().health().get("fresh").state().label()).isEqualTo("healthy");
    HttpResponse<String> resp = gateway.chat(Requests.chat("fresh-model", "hi"));
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("x-switchboard-provider")).hasValue("fresh");
    assertThat(resp.body()).contains("from b");
  }

  @Test
  void runtimeChangesSurviveARestart() throws Exception {
    a.chatJson("from a");
    b.chatJson("from b");
    GatewayUnderTest first = start(base().provider("a", a, KEY_A, "m"));
    assertThat(admin(first, "PUT", "/admin/providers/b", provider(b, KEY_B, "mb")).statusCode()).isEqualTo(201);
    assertThat(admin(first, "PUT", "/admin/models/chat", "{\"targets\": [{\"provider\": \"b\", \"model\": \"mb\"}]}")
        .statusCode()).isEqualTo(201);
    gateways.remove(first);
    first.close();

    GatewayUnderTest second = GatewayUnderTest.startFile(file, Map.of());
    gateways.add(second);

    HttpResponse<String> resp = second.chat(Requests.chat("chat", "hi"));
    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.body()).contains("from b");
    assertThat(Files.readString(dir.resolve("overlay.json"))).contains("\"chat\"");
  }

  @Test
  void unknownFieldsInAdminWritesAre400NamingTheField() throws Exception {
    GatewayUnderTest gateway = start(base().provider("a", a, KEY_A, "m").model("chat", "a/m"));

    HttpResponse<String> key = admin(gateway, "POST", "/admin/keys", "{\"name\": \"team\", \"limitz\": {\"rpm\": 1}}");
    HttpResponse<String> budget = admin(gateway, "POST", "/admin/keys",
        "{\"name\": \"team\", \"budget\": {\"monthy\": 5}}");
    HttpResponse<String> put = admin(gateway, "PUT", "/admin/providers/x",
        "{\"type\": \"openai\", \"base_urll\": \"http://127.0.0.1:1/v1\", \"models\": [\"q\"]}");
    HttpResponse<String> patch = admin(gateway, "PATCH", "/admin/models/chat", "{\"stratgy\": \"priority\"}");
    HttpResponse<String> rotate = admin(gateway, "POST", "/admin/providers/a/key",
        "{\"api_key\": \"sk-something-long\", \"note\": 1}");

    assertThat(key.statusCode()).isEqualTo(400);
    assertThat(FakeProvider.errorOf(key).getString("param")).isEqualTo("limitz");
    assertThat(FakeProvider.errorOf(key).getString("code")).isEqualTo("unknown_field");
    assertThat(budget.statusCode()).isEqualTo(400);
    assertThat(FakeProvider.errorOf(budget).getString("param")).isEqualTo("budget.monthy");
    assertThat(put.statusCode()).isEqualTo(400);
    assertThat(FakeProvider.errorOf(put).getString("param")).isEqualTo("providers.x.base_urll");
    assertThat(patch.statusCode()).isEqualTo(400);
    assertThat(FakeProvider.errorOf(patch).getString("message")).contains("models.chat.stratgy: unknown field");
    assertThat(rotate.statusCode()).isEqualTo(400);
    assertThat(admin(gateway, "GET", "/admin/keys", null).body()).doesNotContain("team");
    assertThat(admin(gateway, "GET", "/admin/providers", null).body()).doesNotContain("\"x\"");
  }

  @Test
  void aProvidersBudgetGaugeFollowsItsBudgetThroughRuntimeChanges() throws Exception {
    GatewayUnderTest gateway = start(base().provider("a", a, KEY_A, "m").model("chat", "a/m"));
    String gauge = "switchboard_budget_remaining{name=\"a\",period=\"monthly\",scope=\"provider\"}";

    assertThat(admin(gateway, "PATCH", "/admin/providers/a", "{\"budget\": {\"monthly\": 10}}").statusCode())
        .isEqualTo(200);
    assertThat(gateway.get("/metrics").body()).as("a budget given at runtime is reported").contains(gauge + " 10.0");
    assertThat(admin(gateway, "PATCH", "/admin/providers/a", "{\"budget\": {\"monthly\": 20}}").statusCode())
        .isEqualTo(200);
    assertThat(gateway.get("/metrics").body()).as("against the new limit").contains(gauge + " 20.0");

    assertThat(admin(gateway, "PUT", "/admin/providers/b", new JsonObject(provider(b, KEY_B, "mb"))
        .put("budget", new JsonObject().put("daily", 3)).encode()).statusCode()).isEqualTo(201);
    assertThat(gateway.get("/metrics").body()).contains("name=\"b\"");
    assertThat(admin(gateway, "DELETE", "/admin/providers/b", null).statusCode()).isEqualTo(200);
    assertThat(gateway.get("/metrics").body()).as("a removed provider has no budget to report")
        .doesNotContain("name=\"b\"");
  }
}
