package dev.switchboard.health;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import dev.switchboard.config.Clocks;
import dev.switchboard.health.ProviderHealth.State;
import dev.switchboard.testing.FakeClock;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The health verticle against WireMock providers: probes move providers down and back with confirmation, faster
 * while down; spent quotas; live traffic marking down; event bus and metrics; /ready; undeploy; no blocking.
 */
class HealthProbingTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String MODELS = "{\"object\":\"list\",\"data\":[{\"id\":\"gpt-a\",\"object\":\"model\"}]}";

  private final FakeProvider a = new FakeProvider();
  private final FakeProvider b = new FakeProvider();
  private final List<AutoCloseable> closeLater = new ArrayList<>();
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private GatewayUnderTest gateway;

  @AfterEach
  void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    for (AutoCloseable c : closeLater) {
      c.close();
    }
    a.close();
    b.close();
  }

  // ---- setup helpers --------------------------------------------------------------------------------------------

  /**
   * A gateway with providers a (gpt-a, shared) and b (shared) behind the alias {@code chat} (a first, priority
   * routing), probing every 200 ms unless {@code health} overrides say otherwise ("key: value" entries). The probe
   * timeout is 3 s: a healthy WireMock answers a probe in milliseconds, but a cold first one on a loaded machine took
   * more than the 300 ms it used to be, and a probe that was meant to succeed failed.
   *
   * @param routing further lines of the routing section, indented
   */
  private GatewayUnderTest start(List<String> health, String routing) {
    return start(health, routing, "", Clocks.SYSTEM);
  }

  private GatewayUnderTest start(List<String> health, String routing, Clocks clocks) {
    return start(health, routing, "", clocks);
  }

  /** As above; {@code aFields} are further YAML lines of provider a, each indented by four spaces. */
  private GatewayUnderTest start(List<String> health, String routing, String aFields) {
    return start(health, routing, aFields, Clocks.SYSTEM);
  }

  private GatewayUnderTest start(List<String> health, String routing, String aFields, Clocks clocks) {
    java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
    for (String entry : List.of("enabled: true", "interval: 200ms", "timeout: 3s", "jitter: 0",
        "down_interval: 100ms", "down_after: 2", "recover_after: 2")) {
      settings.put(entry.substring(0, entry.indexOf(':')), entry);
    }
    for (String entry : health) {
      settings.put(entry.substring(0, entry.indexOf(':')), entry);
    }
    gateway = GatewayUnderTest.start("""
        health: {%s}
        routing:
          strategy: priority
          explore: 0
          retry: {per_provider: 0}
        %s
        providers:
        %s%s
        models:
          chat:
            targets:
              - {provider: a, model: shared}
              - {provider: b, model: shared}
        """.formatted(String.join(", ", settings.values()), routing,
        a.providerYaml("a", "sk-health-a-key-0000", "gpt-a", "shared") + aFields,
        b.providerYaml("b", "sk-health-b-key-1111", "shared")), clocks);
    try {
      listen();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return gateway;
  }

  private static void models(FakeProvider p, ResponseDefinitionBuilder reply) {
    p.stub(get(urlPathEqualTo("/v1/models")).willReturn(reply));
  }

  private static void modelsOk(FakeProvider p) {
    models(p, FakeProvider.jsonReply(200, MODELS));
  }

  private static int probes(WireMockServer server) {
    return server.findAll(getRequestedFor(urlPathEqualTo("/v1/models"))).size();
  }

  private static int chats(FakeProvider p) {
    return p.server().findAll(postRequestedFor(urlPathEqualTo("/v1/chat/completions"))).size();
  }

  private ProviderHealth health(String id) {
    return gateway.switchboard().services().health().get(id);
  }

  private Vertx vertx() {
    return gateway.switchboard().vertx();
  }

  private void awaitState(String id, State state) {
    await().atMost(WAIT).pollInterval(Duration.ofMillis(10)).untilAsserted(() ->
        assertThat(health(id).state()).as("%s: %s", id, health(id).reason()).isEqualTo(state));
  }

  /** Waits for the first probe of a gateway probing rarely, so the forced probes that follow are the only ones. */
  private void awaitFirstProbe(String id) {
    await().atMost(WAIT).until(() -> health(id).snapshot().lastProbeMillis() > 0);
  }

  /** A probe forced over the event bus, as the admin API does; answers the provider's health after it. */
  private JsonObject forceProbe(String id) throws Exception {
    return vertx().eventBus().<JsonObject>request(HealthVerticle.PROBE_ADDRESS, id).toCompletionStage()
        .toCompletableFuture().get(10, TimeUnit.SECONDS).body();
  }

  /** Collects every health transition published on the event bus, from before the first probe on. */
  private void listen() throws Exception {
    vertx().eventBus().<JsonObject>consumer(ProviderHealths.ADDRESS, m -> events.add(m.body())).completion()
        .toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  /** The transitions of one provider published so far, as "from->to". */
  private List<String> transitionsOf(String id) {
    return events.stream().filter(e -> id.equals(e.getString("provider")))
        .map(e -> e.getString("from") + "->" + e.getString("to")).toList();
  }

  /** The published transition of one provider to {@code to}, once it arrives. */
  private JsonObject awaitEvent(String id, String to) {
    await().atMost(WAIT).until(() -> transitionsOf(id).stream().anyMatch(t -> t.endsWith("->" + to)));
    return events.stream().filter(e -> id.equals(e.getString("provider")) && to.equals(e.getString("to")))
        .findFirst().orElseThrow();
  }

  private HttpResponse<String> chat(String model) throws Exception {
    return gateway.post("/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}]}");
  }

  private static String servedBy(HttpResponse<String> resp) {
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    return resp.headers().firstValue("x-switchboard-provider").orElse(null);
  }

  private static JsonObject readyCheck(HttpResponse<String> resp) {
    JsonArray checks = new JsonObject(resp.body()).getJsonArray("checks");
    return checks.stream().map(o -> (JsonObject) o).filter(c -> "providers".equals(c.getString("id"))).findFirst()
        .orElseThrow(() -> new AssertionError("no providers check in " + resp.body()));
  }

  /** The value of the one sample line of {@code name} carrying all the given labels. */
  private static double sample(String metrics, String name, String... labels) {
    List<String> lines = Arrays.stream(metrics.split("\n"))
        .filter(l -> l.startsWith(name + "{") && Arrays.stream(labels).allMatch(l::contains))
        .toList();
    assertThat(lines).as("%s with %s in\n%s", name, Arrays.toString(labels), metrics).hasSize(1);
    String line = lines.get(0);
    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
  }

  // ---- down and back ------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"503", "timeout"})
  void consecutiveProbeFailuresTakeAProviderDownAndSuccessesBringItBack(String failure) throws Exception {
    modelsOk(a);
    modelsOk(b);
    b.chatJson("from b");
    // Probed once at start, then when forced: each forced probe is one round of the schedule. A probe times out
    // after 1 s here (the good ones need a few ms), against a reply that takes 4 s.
    start(failure.equals("503") ? List.of("interval: 1h") : List.of("interval: 1h", "timeout: 1s"), "");
    awaitState("a", State.HEALTHY);
    awaitState("b", State.HEALTHY);

    if (failure.equals("503")) {
      models(a, FakeProvider.jsonReply(503, "{\"error\":{\"message\":\"overloaded\"}}"));
    } else {
      // Four times the probe timeout.
      models(a, FakeProvider.jsonReply(200, MODELS).withFixedDelay(4_000));
    }

    assertThat(forceProbe("a").getString("state")).as("one failure of down_after 2").isEqualTo("healthy");
    assertThat(forceProbe("a").getString("state")).isEqualTo("down");
    ProviderHealth.Snapshot down = health("a").snapshot();
    assertThat(down.failures()).as("down_after 2").isGreaterThanOrEqualTo(2);
    assertThat(down.passive()).isFalse();
    assertThat(health("a").refusesTraffic()).isTrue();
    assertThat(down.lastProbeError()).isNotNull();
    if (failure.equals("503")) {
      assertThat(health("a").reason()).isEqualTo("probe answered HTTP 503");
    } else {
      assertThat(health("a").reason()).containsAnyOf("timed out", "timeout");
    }
    assertThat(health("b").state()).as("b is not affected").isEqualTo(State.HEALTHY);
    assertThat(servedBy(chat("chat"))).isEqualTo("b");

    modelsOk(a);

    // A probe may still wait for a connection the timed-out ones hold; rounds go on until two good ones in a row.
    await().atMost(WAIT).until(() -> "healthy".equals(forceProbe("a").getString("state")));
    assertThat(health("a").reason()).isEqualTo("2 successful probes");
    await().atMost(WAIT).until(() -> transitionsOf("a").size() >= 3);
    assertThat(transitionsOf("a")).containsExactly("unknown->healthy", "healthy->down", "down->healthy");
    // Under priority the primary gets its traffic back.
    a.chatJson("from a");
    assertThat(servedBy(chat("chat"))).isEqualTo("a");
  }

  @Test
  void anUnreachableProviderGoesDownAndComesBackWhenItListens() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    gateway = GatewayUnderTest.start("""
        health: {enabled: true, interval: 1h, timeout: 3s, jitter: 0, down_interval: 1h, down_after: 2, recover_after: 2}
        providers:
          gone:
            type: openai
            base_url: http://127.0.0.1:%d/v1
            api_key: sk-gone-0000
            models: [gpt-gone]
        """.formatted(port));
    awaitFirstProbe("gone");
    forceProbe("gone");

    awaitState("gone", State.DOWN);
    assertThat(health("gone").snapshot().failures()).isGreaterThanOrEqualTo(2);
    assertThat(health("gone").reason()).startsWith("probe failed:");

    WireMockServer back = new WireMockServer(wireMockConfig().port(port).bindAddress("127.0.0.1"));
    back.start();
    closeLater.add(back::stop);
    back.stubFor(get(urlPathEqualTo("/v1/models")).willReturn(FakeProvider.jsonReply(200, MODELS)));
    forceProbe("gone");
    forceProbe("gone");

    awaitState("gone", State.HEALTHY);
    assertThat(probes(back)).isGreaterThanOrEqualTo(2);
  }

  @Test
  void oneFailedProbeBetweenGoodOnesDoesNotFlap() throws Exception {
    modelsOk(b);
    // a: fine, then one 503, then fine for good.
    a.stub(get(urlPathEqualTo("/v1/models")).inScenario("blip").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(FakeProvider.jsonReply(200, MODELS)).willSetStateTo("blip"));
    a.stub(get(urlPathEqualTo("/v1/models")).inScenario("blip").whenScenarioStateIs("blip")
        .willReturn(FakeProvider.jsonReply(503, "{}")).willSetStateTo("fine"));
    a.stub(get(urlPathEqualTo("/v1/models")).inScenario("blip").whenScenarioStateIs("fine")
        .willReturn(FakeProvider.jsonReply(200, MODELS)));
    start(List.of("interval: 1h"), "");
    awaitState("a", State.HEALTHY);
    awaitState("b", State.HEALTHY);

    // the good probe, the blip, then two more good ones
    forceProbe("a");
    forceProbe("a");
    forceProbe("a");
    assertThat(probes(a.server())).isEqualTo(4);

    assertThat(health("a").state()).isEqualTo(State.HEALTHY);
    assertThat(health("a").snapshot().failures()).isZero();
    assertThat(transitionsOf("a")).containsExactly("unknown->healthy");
    String metrics = gateway.get("/metrics").body();
    assertThat(sample(metrics, "switchboard_probe_duration_seconds_count", "provider=\"a\"", "result=\"failed\""))
        .isEqualTo(1.0);
    assertThat(metrics).doesNotContain("switchboard_health_transitions_total{provider=\"a\",state=\"down\"}");
  }

  @Test
  void aDownProviderIsProbedFasterSoItsRecoveryIsNoticed() throws Exception {
    modelsOk(a);
    modelsOk(b);
    // 600 ms between probes of a provider that is up, 100 ms while it is down: the delays the schedule asks for
    // (jitter 0), read instead of timing probes.
    start(List.of("interval: 600ms", "down_after: 1"), "");
    awaitState("a", State.HEALTHY);
    var provider = gateway.switchboard().services().providers().get("a");

    assertThat(healthVerticle().nextDelay(provider)).as("ms to the next probe while up").isEqualTo(600);

    models(a, FakeProvider.jsonReply(503, "{}"));
    assertThat(forceProbe("a").getString("state")).isEqualTo("down");

    assertThat(healthVerticle().nextDelay(provider)).as("ms to the next probe while down").isEqualTo(100);
  }

  /** The deployed health verticle, whose schedule a test reads instead of timing probes. */
  private HealthVerticle healthVerticle() {
    VertxInternal vertx = (VertxInternal) vertx();
    return (HealthVerticle) vertx.deploymentManager().deployment(healthDeployment()).deployment().instances()
        .iterator().next();
  }

  @Test
  void aSlowProbeMarksAProviderDegradedButRoutable() throws Exception {
    modelsOk(b);
    a.chatJson("from a");
    models(a, FakeProvider.jsonReply(200, MODELS).withFixedDelay(150));
    start(List.of("interval: 1h", "degraded_latency: 50ms"), "");

    awaitState("a", State.DEGRADED);

    assertThat(health("a").reason()).startsWith("slow: probe took ").endsWith("(limit 50 ms)");
    assertThat(servedBy(chat("chat"))).isEqualTo("a");
    assertThat(sample(gateway.get("/metrics").body(), "switchboard_provider_up", "provider=\"a\"")).isEqualTo(1.0);

    modelsOk(a);
    // A fast probe (under 50 ms) makes it healthy again; on a loaded machine one may take longer, and is rightly
    // still called slow: probe until one is fast.
    await().atMost(WAIT).until(() -> "healthy".equals(forceProbe("a").getString("state")));
    assertThat(health("a").state()).isEqualTo(State.HEALTHY);
  }

  @Test
  void aProviderWhoseProbesStopAnsweringGoesStale() throws Exception {
    modelsOk(a);
    modelsOk(b);
    // Probed once at start; after 300 ms without a good probe nobody vouches for it any more.
    FakeClock clock = new FakeClock();
    start(List.of("interval: 1h", "stale_after: 300ms"), "", Clocks.withWall(clock));
    awaitState("a", State.HEALTHY);

    clock.advanceMillis(301);
    assertThat(health("a").state()).isEqualTo(State.UNKNOWN);

    assertThat(health("a").reason()).contains("stale");
    assertThat(health("a").refusesTraffic()).isFalse();
    assertThat(sample(gateway.get("/metrics").body(), "switchboard_provider_up", "provider=\"a\"")).isEqualTo(0.0);
    assertThat(forceProbe("a").getString("state")).isEqualTo("healthy");
  }

  @Test
  void probeModesAndPerProviderIntervals() throws Exception {
    a.chatJson("pong");
    modelsOk(a);
    modelsOk(b);
    gateway = GatewayUnderTest.start("""
        health: {enabled: true, interval: 1h, timeout: 3s, jitter: 0}
        providers:
        %s    probe: {mode: completion, model: gpt-a, interval: 100ms}
        %s    probe: {mode: none}
        """.formatted(a.providerYaml("a", "sk-health-a-key-0000", "gpt-a", "shared"),
        b.providerYaml("b", "sk-health-b-key-1111", "shared")));

    // a's own interval, not the global hour
    await().atMost(WAIT).until(() -> chats(a) >= 3);
    awaitState("a", State.HEALTHY);
    JsonObject body = new JsonObject(a.server().findAll(postRequestedFor(urlPathEqualTo("/v1/chat/completions")))
        .get(0).getBodyAsString());
    assertThat(body.getString("model")).isEqualTo("gpt-a");
    assertThat(body.getInteger("max_tokens")).isEqualTo(1);
    assertThat(body.getJsonArray("messages")).hasSize(1);
    assertThat(a.server().findAll(getRequestedFor(urlPathEqualTo("/v1/chat/completions")))).isEmpty();
    assertThat(probes(a.server())).as("completion mode does not list models").isZero();

    // b is never probed and health does not judge it
    var services = gateway.switchboard().services();
    assertThat(services.health().watched(services.providers().get("b"))).isFalse();
    assertThat(b.server().getAllServeEvents()).isEmpty();
    assertThat(health("b").state()).isEqualTo(State.UNKNOWN);
  }

  @Test
  void aProviderServingImagesIsProbedWithAnImageRequestSoItsHealthIsTheImageService() throws Exception {
    modelsOk(a);
    a.stub("/images/generations", FakeProvider.jsonReply(200, "{\"created\":1,\"data\":[{\"url\":\"https://i/x.png\"}]}"));
    b.stub("/audio/speech", com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(500));
    gateway = GatewayUnderTest.start("""
        health: {enabled: true, interval: 100ms, timeout: 3s, jitter: 0, down_after: 2, down_interval: 100ms}
        providers:
        %s    probe: {mode: images, model: dall-e-3, body: {prompt: "a dot", size: "1024x1024", quality: standard}}
        %s    probe: {mode: speech, model: tts-1}
        """.formatted(a.providerYaml("a", "sk-health-a-key-0000", "dall-e-3"),
        b.providerYaml("b", "sk-health-b-key-1111", "tts-1")));

    awaitState("a", State.HEALTHY);
    JsonObject sent = new JsonObject(a.server().findAll(postRequestedFor(urlPathEqualTo("/v1/images/generations")))
        .get(0).getBodyAsString());
    assertThat(sent).as("the configured body, with the probe's model").isEqualTo(new JsonObject()
        .put("prompt", "a dot").put("size", "1024x1024").put("quality", "standard").put("model", "dall-e-3"));
    assertThat(probes(a.server())).as("an image probe does not list models").isZero();

    awaitState("b", State.DOWN);
    JsonObject speech = new JsonObject(b.server().findAll(postRequestedFor(urlPathEqualTo("/v1/audio/speech")))
        .get(0).getBodyAsString());
    assertThat(speech).as("the cheap default speech request").isEqualTo(new JsonObject().put("input", "ok")
        .put("voice", "alloy").put("model", "tts-1"));
    assertThat(health("b").reason()).contains("HTTP 500");
  }

  // ---- spent quota ----------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "HTTP {0}")
  @ValueSource(ints = {429, 402})
  void aSpentQuotaTakesAProviderDownUntilAProbeSucceeds(int status) throws Exception {
    modelsOk(a);
    modelsOk(b);
    a.chatJson("from a");
    b.chatJson("from b");
    // Probed once at start, then only when forced; down_after 3 shows a spent quota needs no confirmation.
    start(List.of("interval: 1h", "down_after: 3"), "");
    awaitFirstProbe("a");
    awaitFirstProbe("b");
    assertThat(servedBy(chat("chat"))).isEqualTo("a");
    int chatsOfA = chats(a);

    models(a, FakeProvider.jsonReply(status, FakeProvider.errorBody("insufficient_quota", "insufficient_quota",
        "You exceeded your current quota.").encode()));
    JsonObject after = forceProbe("a");

    String reason = "quota or credit exhausted (HTTP " + status + ")";
    assertThat(after.getString("state")).isEqualTo("down");
    assertThat(after.getString("reason")).isEqualTo(reason);
    assertThat(health("a").snapshot().sticky()).isTrue();
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> resp = chat("chat");
      assertThat(servedBy(resp)).isEqualTo("b");
      assertThat(resp.body()).contains("from b");
    }
    assertThat(chats(a)).as("no request reaches a spent provider").isEqualTo(chatsOfA);
    HttpResponse<String> onlyA = chat("gpt-a");
    assertThat(onlyA.statusCode()).isEqualTo(503);
    assertThat(onlyA.body()).contains("no_provider_available").contains(reason);

    // A failing probe in between does not clear it; two good ones (recover_after) do.
    models(a, FakeProvider.jsonReply(503, "{}"));
    assertThat(forceProbe("a").getString("reason")).isEqualTo(reason);
    modelsOk(a);
    assertThat(forceProbe("a").getString("state")).isEqualTo("down");
    assertThat(forceProbe("a").getString("state")).isEqualTo("healthy");

    assertThat(health("a").snapshot().sticky()).isFalse();
    assertThat(servedBy(chat("chat"))).isEqualTo("a");
  }

  @Test
  void aRateLimitedProbeMeansTheApiAnswers() throws Exception {
    modelsOk(b);
    models(a, FakeProvider.jsonReply(429, FakeProvider.errorBody("requests", "rate_limit_exceeded", "slow down")
        .encode()));
    start(List.of("interval: 1h"), "");
    awaitFirstProbe("a");

    assertThat(health("a").state()).isEqualTo(State.DEGRADED);
    assertThat(health("a").reason()).contains("rate limited");
    assertThat(health("a").refusesTraffic()).isFalse();
  }

  @Test
  void refusedCredentialsOnAProbeTakeAProviderDown() throws Exception {
    modelsOk(b);
    models(a, FakeProvider.jsonReply(401, FakeProvider.errorBody("invalid_request_error", "invalid_api_key",
        "Incorrect API key provided: sk-heal*****0000").encode()));
    start(List.of("interval: 1h", "down_after: 3"), "");
    awaitFirstProbe("a");

    assertThat(health("a").state()).isEqualTo(State.DOWN);
    assertThat(health("a").reason()).isEqualTo("credentials refused by the provider (HTTP 401)");
    assertThat(health("a").snapshot().sticky()).isTrue();
  }

  // ---- live traffic -------------------------------------------------------------------------------------------

  @Test
  void liveTrafficOpeningTheCircuitMarksDownWithoutWaitingForAProbe() throws Exception {
    modelsOk(a);
    modelsOk(b);
    b.chatJson("from b");
    a.error("/chat/completions", 500, "server_error", null, "boom");
    FakeClock clock = new FakeClock();
    start(List.of("interval: 1h"), "  circuit_breaker: {failure_threshold: 2, open_for: 300ms, half_open_requests: 1}\n",
        new Clocks(clock, clock));
    awaitState("a", State.HEALTHY);
    int probesOfA = probes(a.server());

    assertThat(servedBy(chat("chat"))).isEqualTo("b");
    assertThat(health("a").state()).as("one live failure of two").isEqualTo(State.HEALTHY);
    assertThat(servedBy(chat("chat"))).isEqualTo("b");

    assertThat(health("a").state()).isEqualTo(State.DOWN);
    assertThat(health("a").reason()).startsWith("failing live traffic:");
    assertThat(health("a").snapshot().passive()).isTrue();
    assertThat(probes(a.server())).as("no probe was needed").isEqualTo(probesOfA);
    // The breaker keeps traffic away and lets its trials through; health does not refuse a second time.
    assertThat(gateway.switchboard().services().health().routable(
        gateway.switchboard().services().providers().get("a"))).isTrue();
    JsonObject event = awaitEvent("a", "down");
    assertThat(event.getString("from")).isEqualTo("healthy");
    assertThat(event.getString("reason")).startsWith("failing live traffic:");

    a.chatJson("from a");
    clock.advanceMillis(299);
    assertThat(servedBy(chat("chat"))).as("the circuit is still open").isEqualTo("b");
    clock.advanceMillis(1);
    // After open_for a trial request reaches a; its success closes the circuit and health follows.
    assertThat(servedBy(chat("chat"))).isEqualTo("a");
    awaitState("a", State.HEALTHY);
    assertThat(health("a").reason()).contains("circuit closed");
    assertThat(probes(a.server())).isEqualTo(probesOfA);
  }

  @Test
  void aSuccessfulProbeMovesAnOpenCircuitToHalfOpenAtOnce() throws Exception {
    modelsOk(a);
    modelsOk(b);
    b.chatJson("from b");
    a.error("/chat/completions", 500, "server_error", null, "boom");
    FakeClock clock = new FakeClock();
    start(List.of("interval: 1h"), "  circuit_breaker: {failure_threshold: 2, open_for: 1h, max_open_for: 2h, half_open_requests: 1}\n",
        new Clocks(clock, clock));
    awaitFirstProbe("a");
    assertThat(servedBy(chat("chat"))).isEqualTo("b");
    assertThat(servedBy(chat("chat"))).isEqualTo("b");
    var circuit = gateway.switchboard().services().guards().get("a").circuit();
    assertThat(circuit.phase()).isEqualTo(dev.switchboard.routing.CircuitBreaker.Phase.OPEN);

    a.chatJson("from a");
    forceProbe("a");
    // Not kept out for the rest of the hour: the probe's answer lets a trial through now, whose success closes it.
    assertThat(circuit.phase()).isEqualTo(dev.switchboard.routing.CircuitBreaker.Phase.HALF_OPEN);
    assertThat(servedBy(chat("chat"))).isEqualTo("a");
    await().atMost(WAIT).until(() -> circuit.phase() == dev.switchboard.routing.CircuitBreaker.Phase.CLOSED);
  }

  /**
   * A key that may list models but is refused a completion: the models probes keep answering, and that must not
   * bring the provider back (it would take one more refused request, then come back again, and so on).
   */
  @Test
  void refusedCredentialsInLiveTrafficStayDownWhileOnlyTheModelsListingAnswers() throws Exception {
    modelsOk(a);
    modelsOk(b);
    b.chatJson("from b");
    a.error("/chat/completions", 401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided");
    start(List.of("interval: 1h"), "");
    awaitFirstProbe("a");

    assertThat(servedBy(chat("chat"))).isEqualTo("b");
    assertThat(health("a").state()).isEqualTo(State.DOWN);
    assertThat(health("a").reason()).startsWith("credentials refused (HTTP 401)")
        .contains("a models listing does not prove the key may serve requests");

    for (int i = 0; i < 3; i++) {
      JsonObject probed = forceProbe("a");
      assertThat(probed.getJsonObject("last_probe").getBoolean("ok")).as("the listing itself answers").isTrue();
      assertThat(probed.getString("state")).isEqualTo("down");
    }

    assertThat(health("a").state()).isEqualTo(State.DOWN);
    assertThat(gateway.switchboard().services().guards().get("a").suspendedReason()).contains("credentials refused");
    assertThat(servedBy(chat("chat"))).isEqualTo("b");
    assertThat(chats(a)).as("no second refused request").isEqualTo(1);
    assertThat(transitionsOf("a")).containsExactly("unknown->healthy", "healthy->down");
  }

  @Test
  void refusedCredentialsInLiveTrafficMarkDownUntilACompletionProbeSucceeds() throws Exception {
    modelsOk(b);
    a.chatJson("from a");
    b.chatJson("from b");
    // A completion probe goes through WireMock's slower POST matching: a timeout that a cold first one cannot miss.
    start(List.of("interval: 1h", "timeout: 3s"), "", "    probe: {mode: completion}\n");
    awaitFirstProbe("a");
    awaitState("a", State.HEALTHY);

    a.error("/chat/completions", 401, "invalid_request_error", "invalid_api_key", "Incorrect API key provided");
    assertThat(servedBy(chat("chat"))).isEqualTo("b");

    assertThat(health("a").state()).isEqualTo(State.DOWN);
    assertThat(health("a").reason()).isEqualTo("credentials refused (HTTP 401)");
    assertThat(gateway.switchboard().services().guards().get("a").suspendedReason()).isNotNull();

    // The key was fixed: completion probes, the same kind of request as the refused one, say so and lift routing's
    // suspension too.
    a.chatJson("from a");
    forceProbe("a");
    forceProbe("a");
    assertThat(health("a").state()).isEqualTo(State.HEALTHY);
    assertThat(gateway.switchboard().services().guards().get("a").suspendedReason()).isNull();
    assertThat(servedBy(chat("chat"))).isEqualTo("a");
  }

  /**
   * A provider that is not probed ({@code probe: {mode: none}}): nothing would ever clear a health "down", so a
   * spent quota seen in live traffic is left to routing's cooldown, which ends when the provider said it would.
   */
  @Test
  void aProviderWithoutAProbeIsNotHeldDownByHealth() throws Exception {
    FakeProvider anthropic = new FakeProvider();
    closeLater.add(anthropic);
    modelsOk(b);
    b.chatJson("from b");
    anthropic.stub("/messages", FakeProvider.jsonReply(400, "{\"type\":\"error\",\"error\":{\"type\":"
        + "\"invalid_request_error\",\"message\":\"Your credit balance is too low to access the Anthropic API.\"}}")
        .withHeader("Retry-After", "1"));
    FakeClock clock = new FakeClock();
    gateway = GatewayUnderTest.start("""
        health: {enabled: true, interval: 200ms, timeout: 3s, jitter: 0, down_interval: 100ms}
        routing: {strategy: priority, explore: 0, retry: {per_provider: 0}}
        providers:
        %s%s
        models:
          chat:
            targets:
              - {provider: anth, model: claude-x}
              - {provider: b, model: shared}
        """.formatted(anthropic.providerYaml("anth", "anthropic", "/v1", "sk-ant-health-0000", List.of("claude-x"),
            "    probe: {mode: none}"),
        b.providerYaml("b", "sk-health-b-key-1111", "shared")), new Clocks(clock, clock));
    var services = gateway.switchboard().services();
    assertThat(services.health().watched(services.providers().get("anth"))).isFalse();

    HttpResponse<String> spent = chat("chat");
    assertThat(servedBy(spent)).isEqualTo("b");
    assertThat(spent.headers().firstValue("x-switchboard-attempts")).hasValue("anth:402,b:200");

    anthropic.stub("/messages", FakeProvider.jsonReply(200, "{\"id\":\"msg_1\",\"type\":\"message\","
        + "\"role\":\"assistant\",\"model\":\"claude-x\",\"content\":[{\"type\":\"text\",\"text\":\"from anth\"}],"
        + "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,\"output_tokens\":2}}"));
    clock.advanceMillis(999);
    assertThat(servedBy(chat("chat"))).as("anth cools down for the second it asked for").isEqualTo("b");
    clock.advanceMillis(1);
    // Retry-After: 1 s; then anth gets its traffic back.
    assertThat(servedBy(chat("chat"))).isEqualTo("anth");
  }

  // ---- publishing -----------------------------------------------------------------------------------------------

  @Test
  void transitionsArePublishedOnTheEventBusAndExportedAsMetrics() throws Exception {
    modelsOk(b);
    models(a, FakeProvider.jsonReply(200, MODELS));
    start(List.of("interval: 1h"), "");
    awaitState("a", State.HEALTHY);
    awaitState("b", State.HEALTHY);
    String before = gateway.get("/metrics").body();
    assertThat(sample(before, "switchboard_provider_up", "provider=\"a\"")).isEqualTo(1.0);
    assertThat(sample(before, "switchboard_health_transitions_total", "provider=\"a\"", "state=\"healthy\""))
        .isEqualTo(1.0);
    assertThat(sample(before, "switchboard_probe_duration_seconds_count", "provider=\"a\"", "result=\"ok\""))
        .isGreaterThanOrEqualTo(1.0);

    models(a, FakeProvider.jsonReply(500, "{}"));
    long beforeDown = System.currentTimeMillis();
    forceProbe("a");
    forceProbe("a");
    awaitState("a", State.DOWN);
    long afterDown = System.currentTimeMillis();

    JsonObject event = awaitEvent("a", "down");
    assertThat(event.getString("provider")).isEqualTo("a");
    assertThat(event.getString("from")).isEqualTo("healthy");
    assertThat(event.getString("to")).isEqualTo("down");
    assertThat(event.getString("reason")).isEqualTo("probe answered HTTP 500");
    assertThat(event.getLong("at")).as("the wall time of the transition").isBetween(beforeDown, afterDown);
    String m = gateway.get("/metrics").body();
    assertThat(sample(m, "switchboard_provider_up", "provider=\"a\"")).isEqualTo(0.0);
    assertThat(sample(m, "switchboard_provider_up", "provider=\"b\"")).isEqualTo(1.0);
    assertThat(sample(m, "switchboard_health_transitions_total", "provider=\"a\"", "state=\"down\"")).isEqualTo(1.0);
    assertThat(sample(m, "switchboard_probe_duration_seconds_count", "provider=\"a\"", "result=\"failed\""))
        .isGreaterThanOrEqualTo(2.0);
    assertThat(m).doesNotContain("sk-health-a-key-0000");
  }

  // ---- readiness ------------------------------------------------------------------------------------------------

  @Test
  void readyNeedsAnyProviderByDefault() throws Exception {
    modelsOk(a);
    modelsOk(b);
    start(List.of("interval: 1h"), "");
    awaitFirstProbe("a");
    assertThat(gateway.get("/ready").statusCode()).isEqualTo(200);

    models(a, FakeProvider.jsonReply(402, "{}"));
    forceProbe("a");

    HttpResponse<String> ready = gateway.get("/ready");
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    JsonObject data = readyCheck(ready).getJsonObject("data");
    assertThat(data.getString("a")).isEqualTo("down: quota or credit exhausted (HTTP 402)");
    assertThat(data.getString("b")).isIn("healthy", "unknown");
    assertThat(data.containsKey("unservable_models")).isFalse();

    models(b, FakeProvider.jsonReply(402, "{}"));
    forceProbe("b");

    HttpResponse<String> none = gateway.get("/ready");
    assertThat(none.statusCode()).as(none.body()).isEqualTo(503);
    assertThat(readyCheck(none).getString("status")).isEqualTo("DOWN");
  }

  @Test
  void readyWithEveryModelNeedsAProviderForEachModel() throws Exception {
    modelsOk(a);
    modelsOk(b);
    start(List.of("interval: 1h", "ready_requires: every-model"), "");
    awaitFirstProbe("a");
    HttpResponse<String> allUp = gateway.get("/ready");
    assertThat(allUp.statusCode()).as(allUp.body()).isEqualTo(200);

    models(a, FakeProvider.jsonReply(402, "{}"));
    forceProbe("a");

    HttpResponse<String> ready = gateway.get("/ready");
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(503);
    JsonObject unservable = readyCheck(ready).getJsonObject("data").getJsonObject("unservable_models");
    // gpt-a only a serves; chat and shared still have b.
    assertThat(unservable.fieldNames()).containsExactly("gpt-a");

    modelsOk(a);
    forceProbe("a");
    forceProbe("a");
    assertThat(gateway.get("/ready").statusCode()).isEqualTo(200);
  }

  // ---- the verticle's life --------------------------------------------------------------------------------------

  @Test
  void probesStopWhenTheHealthVerticleIsUndeployed() throws Exception {
    modelsOk(a);
    modelsOk(b);
    start(List.of(), "");
    await().atMost(WAIT).until(() -> probes(a.server()) >= 2 && probes(b.server()) >= 2);

    String id = healthDeployment();
    vertx().undeploy(id).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(vertx().deploymentIDs()).doesNotContain(id);
    int probesOfA = probes(a.server());
    int probesOfB = probes(b.server());
    double recorded = probesRecorded();

    // Five probe intervals without a single probe: none reaches the providers, none is even attempted. A probe that
    // was already on its way when the verticle went may still land or be recorded (that is not a new one): the counts
    // must come to rest, then stay put for the whole second.
    double[] last = {-1};
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(30)).until(() -> {
      double now = probes(a.server()) * 1e6 + probes(b.server()) * 1e3 + probesRecorded();
      boolean still = now == last[0];
      last[0] = now;
      return still;
    });
    assertThat(probes(a.server()) - probesOfA).as("probes of a after the undeploy: at most the one in flight")
        .isLessThanOrEqualTo(1);
    assertThat(probes(b.server()) - probesOfB).as("probes of b after the undeploy: at most the one in flight")
        .isLessThanOrEqualTo(1);
    assertThat(probesRecorded() - recorded).as("probes timed after the undeploy: at most the two in flight")
        .isLessThanOrEqualTo(2);
    // The gateway itself still serves.
    b.chatJson("still here");
    a.chatJson("still here");
    assertThat(chat("chat").statusCode()).isEqualTo(200);
  }

  /** Probes the gateway has timed, whatever their result. */
  private double probesRecorded() {
    return gateway.switchboard().services().prometheus().find("switchboard_probe_duration_seconds").timers().stream()
        .mapToDouble(t -> t.count()).sum();
  }

  private String healthDeployment() {
    VertxInternal vertx = (VertxInternal) vertx();
    List<String> ids = vertx.deploymentIDs().stream()
        .filter(id -> vertx.deploymentManager().deployment(id).deployment().instances().stream()
            .anyMatch(v -> v instanceof HealthVerticle))
        .toList();
    assertThat(ids).hasSize(1);
    return ids.get(0);
  }

  @Test
  void aHangingProbeBlocksNeitherTheGatewayNorOtherProbes() throws Exception {
    modelsOk(b);
    a.chatJson("from a");
    b.chatJson("from b");
    // a's probe hangs for longer than the whole test (timeout 20 s): nothing may wait for it.
    models(a, FakeProvider.jsonReply(200, MODELS).withFixedDelay(30_000));
    start(List.of("interval: 1h", "timeout: 20s"), "");
    await().atMost(WAIT).until(() -> probes(a.server()) >= 1);
    awaitFirstProbe("b");

    assertThat(gateway.get("/health").statusCode()).isEqualTo(200);
    // a itself answers chat at once: the probe's connection is not the traffic's.
    assertThat(servedBy(chat("gpt-a"))).isEqualTo("a");
    assertThat(servedBy(chat("chat"))).isEqualTo("a");
    // Another probe on the health verticle's own event loop is answered while a's hangs.
    JsonObject forced = forceProbe("b");
    assertThat(forced.getString("state")).isEqualTo("healthy");
    assertThat(gateway.get("/ready").statusCode()).isEqualTo(200);

    assertThat(health("a").snapshot().lastProbeMillis()).as("a's probe is still hanging").isZero();
  }
}
