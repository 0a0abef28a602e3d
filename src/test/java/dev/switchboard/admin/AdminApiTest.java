package dev.switchboard.admin;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import dev.switchboard.testing.TestConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The admin API: its auth, what it reports about providers, forced probes, maintenance and enable. */
class AdminApiTest {
  private static final String ADMIN_KEY = "sb-admin-secret-4242";
  private static final String CLIENT_KEY = "sb-client-key-777";
  private static final String KEY_A = "sk-admin-a-key-0000";
  private static final String KEY_B = "sk-admin-b-key-1111";
  private static final String MODELS = "{\"object\":\"list\",\"data\":[]}";

  private final FakeProvider a = new FakeProvider();
  private final FakeProvider b = new FakeProvider();
  /** Every admin reply body, checked for secrets after each test. */
  private final List<String> adminBodies = new ArrayList<>();
  private GatewayUnderTest gateway;

  @AfterEach
  void stop() {
    try {
      for (String body : adminBodies) {
        assertThat(body).doesNotContain(ADMIN_KEY).doesNotContain(CLIENT_KEY).doesNotContain(KEY_A)
            .doesNotContain(KEY_B);
      }
    } finally {
      if (gateway != null) {
        gateway.close();
      }
      a.close();
      b.close();
    }
  }

  /**
   * Providers a (gpt-a, shared) and b (shared) behind the alias {@code chat}, a first under priority routing. With
   * {@code probing}, each provider is probed once at start and then only when forced.
   */
  private void start(boolean adminKey, boolean probing) {
    TestConfig config = TestConfig.empty().clientKey("app", CLIENT_KEY)
        .section("health", "{enabled: " + probing + ", interval: 1h, jitter: 0, down_after: 1, recover_after: 2}")
        .routing("strategy: priority\nexplore: 0\nretry: {per_provider: 0}")
        .provider("a", a, KEY_A, "gpt-a", "shared").provider("b", b, KEY_B, "shared")
        .model("chat", "a/shared", "b/shared");
    gateway = (adminKey ? config.adminKey(ADMIN_KEY) : config).start();
  }

  private void startProbing() {
    models(a, FakeProvider.jsonReply(200, MODELS));
    models(b, FakeProvider.jsonReply(200, MODELS));
    a.chatJson("from a");
    b.chatJson("from b");
    start(true, true);
    await().atMost(Duration.ofSeconds(10)).until(() -> probed("a") && probed("b"));
  }

  private boolean probed(String id) {
    return gateway.switchboard().services().health().get(id).snapshot().lastProbeMillis() > 0;
  }

  private static void models(FakeProvider p, ResponseDefinitionBuilder reply) {
    p.stub(get(urlPathEqualTo("/v1/models")).willReturn(reply));
  }

  private HttpResponse<String> admin(String method, String path, String body, String... headers) throws Exception {
    HttpResponse<String> resp = gateway.send(method, path, body, headers);
    adminBodies.add(resp.body());
    return resp;
  }

  private JsonObject adminOk(String method, String path) throws Exception {
    return adminOk(method, path, null);
  }

  private JsonObject adminOk(String method, String path, String body) throws Exception {
    HttpResponse<String> resp = admin(method, path, body, "Authorization", "Bearer " + ADMIN_KEY);
    assertThat(resp.statusCode()).as("%s %s: %s", method, path, resp.body()).isEqualTo(200);
    assertThat(resp.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v)
        .startsWith("application/json"));
    return new JsonObject(resp.body());
  }

  private JsonObject provider(String id) throws Exception {
    return adminOk("GET", "/admin/providers/" + id);
  }

  private HttpResponse<String> chat(String model) throws Exception {
    return gateway.post("/v1/chat/completions", "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"hi\"}]}", "Authorization", "Bearer " + CLIENT_KEY);
  }

  private static String servedBy(HttpResponse<String> resp) {
    assertThat(resp.statusCode()).as(resp.body()).isEqualTo(200);
    return resp.headers().firstValue("x-switchboard-provider").orElse(null);
  }

  private static JsonObject error(HttpResponse<String> resp) {
    return new JsonObject(resp.body()).getJsonObject("error");
  }

  private int chatsOf(FakeProvider p) {
    return p.server().findAll(postRequestedFor(urlPathEqualTo("/v1/chat/completions"))).size();
  }

  // ---- auth -----------------------------------------------------------------------------------------------------

  @Test
  void withoutAnAdminKeyConfiguredTheAdminApiIsOff() throws Exception {
    start(false, false);

    for (String[] call : new String[][] {{"GET", "/admin/providers"}, {"GET", "/admin/providers/a"},
        {"POST", "/admin/providers/a/maintenance"}, {"POST", "/admin/providers/a/probe"}}) {
      HttpResponse<String> noKey = admin(call[0], call[1], null);
      assertThat(noKey.statusCode()).as("%s %s", call[0], call[1]).isEqualTo(403);
      assertThat(error(noKey).getString("code")).isEqualTo("admin_disabled");
      assertThat(error(noKey).getString("message")).contains("auth.admin_key");
      // Not even a key that happens to be valid elsewhere opens it.
      HttpResponse<String> clientKey = admin(call[0], call[1], null, "Authorization", "Bearer " + CLIENT_KEY);
      assertThat(clientKey.statusCode()).isEqualTo(403);
      assertThat(error(clientKey).getString("code")).isEqualTo("admin_disabled");
    }
    assertThat(gateway.switchboard().services().health().get("a").state().label()).isEqualTo("unknown");
  }

  @Test
  void theAdminKeyIsRequired() throws Exception {
    start(true, false);

    HttpResponse<String> missing = admin("GET", "/admin/providers", null);
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(error(missing).getString("code")).isEqualTo("missing_api_key");

    HttpResponse<String> wrong = admin("GET", "/admin/providers", null, "Authorization", "Bearer " + ADMIN_KEY + "x");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(error(wrong).getString("code")).isEqualTo("invalid_api_key");

    HttpResponse<String> client = admin("GET", "/admin/providers", null, "Authorization", "Bearer " + CLIENT_KEY);
    assertThat(client.statusCode()).as("a client key is not an admin key").isEqualTo(401);

    HttpResponse<String> refused = admin("POST", "/admin/providers/a/maintenance", null, "Authorization",
        "Bearer wrong");
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(gateway.switchboard().services().health().get("a").state().label())
        .as("a refused call changes nothing").isEqualTo("unknown");

    HttpResponse<String> right = admin("GET", "/admin/providers", null, "Authorization", "Bearer " + ADMIN_KEY);
    assertThat(right.statusCode()).isEqualTo(200);
    assertThat(right.headers().firstValue("cache-control")).hasValue("no-store");
  }

  // ---- what it reports ------------------------------------------------------------------------------------------

  @Test
  void listsEachProvidersHealthCircuitStatsAndScore() throws Exception {
    startProbing();
    assertThat(servedBy(chat("chat"))).isEqualTo("a");

    JsonObject list = adminOk("GET", "/admin/providers");

    assertThat(list.getString("object")).isEqualTo("list");
    JsonArray data = list.getJsonArray("data");
    assertThat(data.stream().map(o -> ((JsonObject) o).getString("id"))).containsExactly("a", "b");
    JsonObject pa = data.getJsonObject(0);
    assertThat(pa.getString("type")).isEqualTo("openai");
    assertThat(pa.getBoolean("enabled")).isTrue();
    assertThat(pa.getJsonArray("models")).containsExactly("gpt-a", "shared");

    JsonObject health = pa.getJsonObject("health");
    assertThat(health.getString("state")).isEqualTo("healthy");
    assertThat(health.getString("reason")).startsWith("probe ok (");
    assertThat(health.getBoolean("probed")).isTrue();
    assertThat(health.getLong("since")).isPositive();
    JsonObject lastProbe = health.getJsonObject("last_probe");
    assertThat(lastProbe.getLong("at")).isPositive();
    assertThat(lastProbe.getLong("latency_ms")).isNotNegative();
    assertThat(lastProbe.getBoolean("ok")).isTrue();
    assertThat(lastProbe.containsKey("error")).isTrue();
    assertThat(lastProbe.getString("error")).isNull();
    assertThat(health.getLong("last_ok_probe")).isEqualTo(lastProbe.getLong("at"));

    JsonObject circuit = pa.getJsonObject("circuit");
    assertThat(circuit.getString("state")).isEqualTo("closed");
    assertThat(pa.getValue("cooldown")).isNull();
    assertThat(pa.getValue("suspended")).isNull();

    JsonObject stats = pa.getJsonObject("stats");
    assertThat(stats.getLong("requests")).isEqualTo(1);
    assertThat(stats.getLong("failures")).isZero();
    assertThat(stats.getDouble("latency_ms")).isNotNull().isNotNegative();
    assertThat(stats.getDouble("error_rate")).isEqualTo(0.0);
    assertThat(stats.getLong("window_attempts")).isEqualTo(1);

    JsonObject score = pa.getJsonObject("score");
    assertThat(score.getDouble("total")).isNotNull();
    for (String part : List.of("latency", "errors", "quality", "cost", "load", "headroom")) {
      assertThat(score.containsKey(part)).as(part).isTrue();
    }
    JsonObject pb = data.getJsonObject(1);
    assertThat(pb.getJsonObject("stats").getLong("requests")).isZero();

    // One provider alone: the same entry.
    JsonObject single = provider("a");
    assertThat(single.getString("id")).isEqualTo("a");
    assertThat(single.getJsonObject("health").getString("state")).isEqualTo("healthy");
    assertThat(single.fieldNames()).isEqualTo(pa.fieldNames());
  }

  @Test
  void reportsErrorRateAndAnOpenCircuit() throws Exception {
    startProbing();
    a.error("/chat/completions", 500, "server_error", null, "boom");
    // default failure_threshold 5
    for (int i = 0; i < 5; i++) {
      assertThat(servedBy(chat("chat"))).isEqualTo("b");
    }

    JsonObject pa = provider("a");

    assertThat(pa.getJsonObject("circuit").getString("state")).isEqualTo("open");
    assertThat(pa.getJsonObject("circuit").getLong("trial_in_ms")).isPositive();
    assertThat(pa.getJsonObject("stats").getDouble("error_rate")).isEqualTo(1.0);
    assertThat(pa.getJsonObject("stats").getLong("failures")).isEqualTo(5);
    assertThat(pa.getJsonObject("health").getString("state")).isEqualTo("down");
    assertThat(pa.getJsonObject("health").getString("reason")).startsWith("failing live traffic:");
  }

  @Test
  void unknownProvidersAre404() throws Exception {
    start(true, false);

    for (String[] call : new String[][] {{"GET", "/admin/providers/nope"}, {"POST", "/admin/providers/nope/probe"},
        {"POST", "/admin/providers/nope/maintenance"}, {"POST", "/admin/providers/nope/enable"}}) {
      HttpResponse<String> resp = admin(call[0], call[1], null, "Authorization", "Bearer " + ADMIN_KEY);
      assertThat(resp.statusCode()).as("%s %s", call[0], call[1]).isEqualTo(404);
      assertThat(error(resp).getString("code")).isEqualTo("provider_not_found");
      assertThat(error(resp).getString("message")).contains("nope");
    }
  }

  @Test
  void aDisabledProviderIsListedButCannotBeProbed() throws Exception {
    gateway = GatewayUnderTest.start("""
        auth: {admin_key: %s}
        health: {enabled: true, interval: 1h}
        providers:
        %s  dormant:
            type: openai
            base_url: http://127.0.0.1:9/v1
            api_key: ${ADMIN_TEST_MISSING_KEY:-}
            models: [gpt-dormant]
        """.formatted(ADMIN_KEY, a.providerYaml("a", KEY_A, "gpt-a")));

    JsonObject dormant = provider("dormant");
    assertThat(dormant.getBoolean("enabled")).isFalse();
    assertThat(dormant.getString("disabled_reason")).contains("ADMIN_TEST_MISSING_KEY");
    assertThat(dormant.getJsonObject("health").getBoolean("probed")).isFalse();
    assertThat(dormant.getValue("score")).isNull();

    HttpResponse<String> probe = admin("POST", "/admin/providers/dormant/probe", null, "Authorization",
        "Bearer " + ADMIN_KEY);
    assertThat(probe.statusCode()).isEqualTo(409);
    assertThat(error(probe).getString("code")).isEqualTo("not_probeable");
  }

  // ---- actions --------------------------------------------------------------------------------------------------

  @Test
  void aForcedProbeUpdatesTheState() throws Exception {
    startProbing();
    assertThat(provider("a").getJsonObject("health").getString("state")).isEqualTo("healthy");
    long firstProbe = provider("a").getJsonObject("health").getJsonObject("last_probe").getLong("at");

    models(a, FakeProvider.jsonReply(401, FakeProvider.errorBody("invalid_request_error", "invalid_api_key",
        "Incorrect API key provided: " + KEY_A).encode()));
    JsonObject down = adminOk("POST", "/admin/providers/a/probe");

    JsonObject health = down.getJsonObject("health");
    assertThat(health.getString("state")).isEqualTo("down");
    assertThat(health.getString("reason")).isEqualTo("credentials refused by the provider (HTTP 401)");
    assertThat(health.getJsonObject("last_probe").getBoolean("ok")).isFalse();
    assertThat(health.getJsonObject("last_probe").getLong("at")).isGreaterThanOrEqualTo(firstProbe);
    assertThat(servedBy(chat("chat"))).isEqualTo("b");

    models(a, FakeProvider.jsonReply(200, MODELS));
    assertThat(adminOk("POST", "/admin/providers/a/probe").getJsonObject("health").getString("state"))
        .as("recover_after 2").isEqualTo("down");
    JsonObject up = adminOk("POST", "/admin/providers/a/probe");
    assertThat(up.getJsonObject("health").getString("state")).isEqualTo("healthy");
    assertThat(up.getJsonObject("health").getJsonObject("last_probe").getBoolean("ok")).isTrue();
    assertThat(servedBy(chat("chat"))).isEqualTo("a");
  }

  @ParameterizedTest(name = "probing {0}")
  @ValueSource(booleans = {true, false})
  void maintenanceTakesAProviderOutOfRoutingUntilEnabled(boolean probing) throws Exception {
    if (probing) {
      startProbing();
    } else {
      a.chatJson("from a");
      b.chatJson("from b");
      start(true, false);
    }
    assertThat(servedBy(chat("chat"))).isEqualTo("a");
    int chatsOfA = chatsOf(a);

    JsonObject set = adminOk("POST", "/admin/providers/a/maintenance", "{\"reason\": \"  upgrading the cluster \"}");

    assertThat(set.getJsonObject("health").getString("state")).isEqualTo("maintenance");
    assertThat(set.getJsonObject("health").getString("reason")).isEqualTo("maintenance: upgrading the cluster");
    assertThat(servedBy(chat("chat"))).isEqualTo("b");
    HttpResponse<String> onlyA = chat("gpt-a");
    assertThat(onlyA.statusCode()).isEqualTo(503);
    assertThat(error(onlyA).getString("code")).isEqualTo("no_provider_available");
    assertThat(error(onlyA).getString("message")).contains("maintenance").contains("upgrading the cluster");
    assertThat(chatsOf(a)).isEqualTo(chatsOfA);
    if (probing) {
      // A good probe does not end an admin's maintenance.
      assertThat(adminOk("POST", "/admin/providers/a/probe").getJsonObject("health").getString("state"))
          .isEqualTo("maintenance");
    }
    HttpResponse<String> ready = gateway.get("/ready");
    assertThat(ready.body()).contains("maintenance: upgrading the cluster");

    JsonObject enabled = adminOk("POST", "/admin/providers/a/enable");

    assertThat(enabled.getJsonObject("health").getString("state")).isEqualTo("unknown");
    assertThat(enabled.getJsonObject("health").getString("reason")).isEqualTo("re-enabled by an admin");
    assertThat(servedBy(chat("chat"))).isEqualTo("a");
    assertThat(servedBy(chat("gpt-a"))).isEqualTo("a");
  }

  @Test
  void maintenanceWithoutABodyHasADefaultReasonAndABadBodyIsRefused() throws Exception {
    start(true, false);

    HttpResponse<String> bad = admin("POST", "/admin/providers/a/maintenance", "{not json", "Authorization",
        "Bearer " + ADMIN_KEY);
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(error(bad).getString("code")).isEqualTo("invalid_json");
    assertThat(gateway.switchboard().services().health().get("a").state().label()).isEqualTo("unknown");

    JsonObject set = adminOk("POST", "/admin/providers/a/maintenance");
    assertThat(set.getJsonObject("health").getString("state")).isEqualTo("maintenance");
    assertThat(set.getJsonObject("health").getString("reason")).isEqualTo("maintenance (set by an admin)");
  }

  @ParameterizedTest(name = "probing {0}")
  @ValueSource(booleans = {true, false})
  void enableLiftsASuspensionForRefusedCredentials(boolean probing) throws Exception {
    if (probing) {
      startProbing();
    } else {
      b.chatJson("from b");
      start(true, false);
    }
    a.error("/chat/completions", 401, "invalid_request_error", "invalid_api_key",
        "Incorrect API key provided: " + KEY_A);

    HttpResponse<String> first = chat("chat");
    assertThat(servedBy(first)).isEqualTo("b");
    assertThat(first.headers().firstValue("x-switchboard-attempts")).hasValue("a:401,b:200");
    JsonObject suspended = provider("a");
    assertThat(suspended.getString("suspended")).contains("credentials refused");
    // Health marks it down too when it watches the provider; either way routing keeps it out.
    assertThat(suspended.getJsonObject("health").getString("state")).isEqualTo(probing ? "down" : "unknown");
    assertThat(servedBy(chat("chat"))).isEqualTo("b");
    assertThat(chatsOf(a)).as("a suspended provider gets no traffic").isEqualTo(1);

    // The key was fixed upstream; the admin says so.
    a.chatJson("from a");
    JsonObject enabled = adminOk("POST", "/admin/providers/a/enable");

    assertThat(enabled.getValue("suspended")).isNull();
    assertThat(enabled.getJsonObject("health").getString("state")).isEqualTo("unknown");
    HttpResponse<String> back = chat("chat");
    assertThat(servedBy(back)).isEqualTo("a");
    assertThat(back.body()).contains("from a");
  }

  @Test
  void keysNeverAppearInAdminOutput() throws Exception {
    startProbing();
    // An upstream that echoes the key in its error.
    a.error("/chat/completions", 401, "invalid_request_error", "invalid_api_key",
        "Incorrect API key provided: " + KEY_A);
    models(b, FakeProvider.jsonReply(503, "{\"error\":{\"message\":\"bad key " + KEY_B + "\"}}"));
    chat("chat");

    adminOk("GET", "/admin/providers");
    adminOk("POST", "/admin/providers/b/probe");
    adminOk("POST", "/admin/providers/a/maintenance", "{\"reason\":\"rotating keys\"}");
    adminOk("POST", "/admin/providers/a/enable");
    adminOk("GET", "/admin/providers/a");
    admin("GET", "/admin/providers", null, "Authorization", "Bearer " + ADMIN_KEY.substring(0, 10));

    assertThat(adminBodies).hasSize(6);
    // The bodies are checked for every key after each test; here that the list is really about a and b.
    assertThat(adminBodies.get(0)).contains("\"id\":\"a\"").contains("\"id\":\"b\"");
  }
}
