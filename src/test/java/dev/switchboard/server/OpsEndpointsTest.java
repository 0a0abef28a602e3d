package dev.switchboard.server;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.health.ProviderHealths;
import dev.switchboard.health.Readiness;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.routing.ProviderGuards;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.Requests;
import dev.switchboard.testing.TestConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** /health, /ready and /metrics. */
class OpsEndpointsTest {
  private static final String PROVIDER_KEY = "sk-ops-provider-key-31337";
  private static final String CLIENT_KEY = "sb-ops-client-key-777";
  private FakeProvider upstream;
  private GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    upstream = new FakeProvider();
    gateway = config(upstream).start();
  }

  private static TestConfig config(FakeProvider upstream) {
    return TestConfig.empty().clientKey("ops", CLIENT_KEY).provider("up", upstream, PROVIDER_KEY, "gpt-real")
        .provider("dormant", "type: openai", "base_url: http://127.0.0.1:9/v1", "api_key: ${DORMANT_KEY:-}",
            "models: [dormant-model]");
  }

  @AfterEach
  void stop() {
    gateway.close();
    upstream.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return gateway.get(path);
  }

  private HttpResponse<String> chat(String model) throws Exception {
    return gateway.chat(Requests.chat(model, "hello"), "Authorization", "Bearer " + CLIENT_KEY);
  }

  private static JsonObject check(JsonObject health, String id) {
    JsonArray checks = health.getJsonArray("checks");
    assertThat(checks).as("checks in %s", health).isNotNull();
    return checks.stream().map(o -> (JsonObject) o).filter(c -> id.equals(c.getString("id"))).findFirst()
        .orElseThrow(() -> new AssertionError("no check " + id + " in " + health));
  }

  @Test
  void healthIsUpWithoutAClientKey() throws Exception {
    HttpResponse<String> resp = get("/health");
    assertThat(resp.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.getString("status")).isEqualTo("UP");
    assertThat(check(body, "gateway").getString("status")).isEqualTo("UP");
  }

  @Test
  void readyListsProviders() throws Exception {
    HttpResponse<String> resp = get("/ready");
    assertThat(resp.statusCode()).isEqualTo(200);
    JsonObject body = new JsonObject(resp.body());
    assertThat(body.getString("status")).isEqualTo("UP");
    assertThat(check(body, "accepting").getString("status")).isEqualTo("UP");
    JsonObject providers = check(body, "providers");
    assertThat(providers.getString("status")).isEqualTo("UP");
    JsonObject data = providers.getJsonObject("data");
    // A probed provider shows its health state; with probes off (as in tests) it is simply enabled.
    assertThat(data.getString("up")).isEqualTo("enabled");
    assertThat(data.getString("dormant")).startsWith("disabled").contains("DORMANT_KEY");
    assertThat(resp.body()).doesNotContain(PROVIDER_KEY);
  }

  @Test
  void readyIs503WhenNoProviderCanServe() throws Exception {
    try (GatewayUnderTest none = GatewayUnderTest.start("""
        providers:
          dormant:
            type: openai
            base_url: http://127.0.0.1:9/v1
            api_key: ${DORMANT_KEY:-}
            models: [dormant-model]
        """)) {
      HttpResponse<String> resp = none.get("/ready");
      assertThat(resp.statusCode()).isEqualTo(503);
      JsonObject body = new JsonObject(resp.body());
      assertThat(body.getString("status")).isEqualTo("DOWN");
      assertThat(check(body, "providers").getString("status")).isEqualTo("DOWN");
      // liveness does not depend on providers
      HttpResponse<String> live = none.get("/health");
      assertThat(live.statusCode()).isEqualTo(200);
    }
  }

  @Test
  void shutdownMarksTheGatewayDraining() throws Exception {
    assertThat(gateway.switchboard().services().readiness().isDraining()).isFalse();
    gateway.stopAsync().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(gateway.switchboard().services().readiness().isDraining()).isTrue();
  }

  /** With a drain delay, /ready fails over HTTP while the gateway still serves traffic, then the listener closes. */
  @Test
  void readyFailsDuringTheDrainDelayWhileRequestsStillSucceed() throws Exception {
    upstream.chatJson("still here");
    try (GatewayUnderTest draining = config(upstream)
        .server("drain_delay: 3s", "shutdown_grace: 1s").start()) {
      var stopped = draining.stopAsync();
      HttpResponse<String> ready = draining.get("/ready");
      assertThat(ready.statusCode()).isEqualTo(503);
      assertThat(ready.body()).contains("shutting down");
      HttpResponse<String> chat = draining.chat(Requests.chat("gpt-real", "hi"), "Authorization",
          "Bearer " + CLIENT_KEY);
      assertThat(chat.statusCode()).isEqualTo(200);
      assertThat(chat.body()).contains("still here");
      stopped.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  /** Once the listener is closing, /ready cannot be reached over HTTP; the check itself must report DOWN. */
  @Test
  void readinessGoesDownWhileDraining() throws Exception {
    SwitchboardConfig config = ConfigLoader.fromYaml(config(upstream).yaml(), Map.of());
    Vertx vertx = Vertx.vertx();
    try {
      ProviderRegistry providers = new ProviderRegistry(config);
      GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry());
      ProviderGuards guards = new ProviderGuards(vertx, providers, config.routing(), metrics);
      Readiness readiness = new Readiness(vertx, config, providers,
          new ProviderHealths(vertx, config.health(), providers, guards, metrics), guards);
      CheckResult before = readiness.readiness().checkStatus().toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      assertThat(before.getUp()).isTrue();

      readiness.draining();

      CheckResult after = readiness.readiness().checkStatus().toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      assertThat(after.getUp()).isFalse();
      CheckResult accepting = after.getChecks().stream().filter(c -> c.getId().equals("accepting")).findFirst()
          .orElseThrow();
      assertThat(accepting.getUp()).isFalse();
      assertThat(accepting.getData().getString("reason")).contains("shutting down");
      CheckResult live = readiness.liveness().checkStatus().toCompletionStage().toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      assertThat(live.getUp()).as("liveness stays up while draining").isTrue();
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
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

  @Test
  void metricsCountRequestsUpstreamResponsesAndTokens() throws Exception {
    upstream.chatJson("fine");
    assertThat(chat("gpt-real").statusCode()).isEqualTo(200);
    assertThat(chat("gpt-real").statusCode()).isEqualTo(200);
    assertThat(chat("no-such-model").statusCode()).isEqualTo(404);

    HttpResponse<String> resp = get("/metrics");

    assertThat(resp.statusCode()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
    String m = resp.body();
    assertThat(sample(m, "switchboard_requests_total", "endpoint=\"chat\"", "provider=\"up\"", "status=\"200\""))
        .isEqualTo(2.0);
    assertThat(sample(m, "switchboard_requests_total", "endpoint=\"chat\"", "provider=\"none\"", "status=\"404\""))
        .isEqualTo(1.0);
    assertThat(sample(m, "switchboard_request_duration_seconds_count", "endpoint=\"chat\"", "provider=\"up\""))
        .isEqualTo(2.0);
    assertThat(m).contains("switchboard_request_duration_seconds_bucket{");
    assertThat(sample(m, "switchboard_upstream_responses_total", "provider=\"up\"", "status=\"200\"")).isEqualTo(2.0);
    // FakeProvider's completion reports 11 prompt and 7 completion tokens
    assertThat(sample(m, "switchboard_tokens_total", "kind=\"prompt\"", "provider=\"up\"", "model=\"gpt-real\""))
        .isEqualTo(22.0);
    assertThat(sample(m, "switchboard_tokens_total", "kind=\"completion\"", "provider=\"up\"")).isEqualTo(14.0);
    assertThat(m).doesNotContain(PROVIDER_KEY).doesNotContain(CLIENT_KEY);
  }

  @Test
  void metricsCountUpstreamFailuresByStatus() throws Exception {
    upstream.error("/chat/completions", 503, "server_error", null, "overloaded");
    assertThat(chat("gpt-real").statusCode()).isEqualTo(503);

    String m = get("/metrics").body();

    // One retry of the same provider after the first 503.
    assertThat(sample(m, "switchboard_upstream_responses_total", "provider=\"up\"", "status=\"503\"")).isEqualTo(2.0);
    assertThat(sample(m, "switchboard_retries_total", "provider=\"up\"")).isEqualTo(1.0);
    assertThat(sample(m, "switchboard_requests_total", "endpoint=\"chat\"", "provider=\"up\"", "status=\"503\""))
        .isEqualTo(1.0);
    assertThat(m).doesNotContain(PROVIDER_KEY);
  }
}
