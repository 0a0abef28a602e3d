package dev.switchboard.routing;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.switchboard.provider.ProviderStats;
import dev.switchboard.testing.FakeProvider;
import dev.switchboard.testing.GatewayUnderTest;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shared set-up of the routing integration tests: two WireMock providers {@code a} and {@code b} (a third, {@code c},
 * on demand) that answer every chat request with "from a" / "from b", and a gateway started per test from a
 * routing section with small timeouts, backoffs and circuit periods so each test stays fast and deterministic:
 * no exploration and no slow start unless a test asks for them.
 */
abstract class RoutingTestBase {
  static final String CHAT_PATH = "/v1/chat/completions";
  /** Upstream timeouts short enough for timeout tests, long enough never to fire by accident on loopback. */
  static final String TIMEOUTS = "{connect: 500ms, first_byte: 2s, idle: 2s, total: 5s}";

  protected FakeProvider a;
  protected FakeProvider b;
  protected FakeProvider c;
  protected GatewayUnderTest gateway;

  @BeforeEach
  void startUpstreams() {
    a = new FakeProvider();
    b = new FakeProvider();
    a.chatJson("from a");
    b.chatJson("from b");
  }

  @AfterEach
  void stopAll() {
    if (gateway != null) {
      gateway.close();
    }
    for (FakeProvider p : new FakeProvider[] {a, b, c}) {
      if (p != null) {
        p.close();
      }
    }
  }

  protected FakeProvider startC() {
    c = new FakeProvider();
    c.chatJson("from c");
    return c;
  }

  /**
   * The routing section with the test defaults: one retry of the same provider first (same_provider_first, so
   * sequences like a:503,a:503,b:200 are deterministic) after 5-20 ms, a Retry-After of up to 2 s
   * waited out, circuits opening after 3 consecutive failures (error rate practically off) for 300 ms.
   */
  static String routing(String strategy) {
    return routing(strategy, "{same_provider_first: true, per_provider: 1, backoff_base: 5ms, backoff_max: 20ms, max_retry_after: 2s}",
        "{failure_threshold: 3, error_rate: 0.5, min_requests: 1000, open_for: 300ms, max_open_for: 2s, "
            + "half_open_requests: 1}", "");
  }

  /** @param extra further lines under {@code routing:}, each indented by two spaces (may set explore, slow_start) */
  static String routing(String strategy, String retry, String circuit, String extra) {
    return "routing:\n"
        + "  strategy: " + strategy + "\n"
        + "  max_attempts: 4\n"
        + "  request_timeout: 10s\n"
        + (extra.contains("explore:") ? "" : "  explore: 0\n")
        + (extra.contains("slow_start:") ? "" : "  slow_start: 0s\n")
        + "  retry: " + retry + "\n"
        + "  circuit_breaker: " + circuit + "\n"
        + extra;
  }

  /** One provider entry under {@code providers:}; {@code extra} is flow-style YAML fields, e.g. "quality: 0.9". */
  static String provider(String id, String baseUrl, String models, String extra) {
    return "  " + id + ": {type: openai, base_url: \"" + baseUrl + "\", api_key: k-" + id + ", models: [" + models
        + "], timeouts: " + TIMEOUTS + (extra.isEmpty() ? "" : ", " + extra) + "}\n";
  }

  static String provider(String id, FakeProvider fake, String models, String extra) {
    return provider(id, fake.baseUrl(), models, extra);
  }

  /** a and b, both serving m1. */
  protected String twoProviders() {
    return "providers:\n" + provider("a", a, "m1", "") + provider("b", b, "m1", "");
  }

  protected void start(String yaml) {
    gateway = GatewayUnderTest.start(yaml);
  }

  static String chatBody(String model) {
    return new JsonObject().put("model", model).put("messages", new io.vertx.core.json.JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "hi"))).encode();
  }

  static String streamBody(String model) {
    return new JsonObject(chatBody(model)).put("stream", true).encode();
  }

  protected HttpResponse<String> chat(String model, String... headers) throws Exception {
    return gateway.post(CHAT_PATH, chatBody(model), headers);
  }

  /** Sends {@code n} requests one after the other; returns who served each (x-switchboard-provider), all 200. */
  protected List<String> servedBy(int n, String model, String... headers) throws Exception {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      HttpResponse<String> resp = chat(model, headers);
      assertThat(resp.statusCode()).as("request %d: %s", i, resp.body()).isEqualTo(200);
      out.add(servedBy(resp));
    }
    return out;
  }

  /** Sends {@code n} requests from {@code parallel} client threads; the replies in the order they were submitted. */
  protected List<HttpResponse<String>> concurrently(int n, int parallel, String model, String... headers)
      throws Exception {
    return concurrently(n, parallel, i -> { }, model, headers);
  }

  /** As above; {@code before} runs with each request's index on the client thread just before it is sent. */
  protected List<HttpResponse<String>> concurrently(int n, int parallel, IntConsumer before, String model,
                                                    String... headers) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      List<Future<HttpResponse<String>>> futures = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int index = i;
        futures.add(pool.submit(() -> {
          before.accept(index);
          return chat(model, headers);
        }));
      }
      List<HttpResponse<String>> out = new ArrayList<>(n);
      for (Future<HttpResponse<String>> f : futures) {
        out.add(f.get(30, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /** The provider in x-switchboard-provider, checked against the body the fake upstream sent ("from a"). */
  static String servedBy(HttpResponse<String> resp) {
    String provider = resp.headers().firstValue("x-switchboard-provider").orElse(null);
    if (resp.statusCode() == 200 && provider != null && !provider.equals("local")) {
      String content = new JsonObject(resp.body()).getJsonArray("choices").getJsonObject(0)
          .getJsonObject("message").getString("content");
      assertThat(content).as("body of the reply attributed to %s", provider).isEqualTo("from " + provider);
    }
    return provider;
  }

  static String header(HttpResponse<String> resp, String name) {
    return resp.headers().firstValue(name).orElse(null);
  }

  static JsonObject error(HttpResponse<String> resp) {
    assertThat(resp.headers().firstValue("content-type")).hasValueSatisfying(
        v -> assertThat(v).startsWith("application/json"));
    JsonObject error = new JsonObject(resp.body()).getJsonObject("error");
    assertThat(error).as("an OpenAI-shaped error in %s", resp.body()).isNotNull();
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
    return error;
  }

  /** Chat requests the fake upstream has received so far. */
  static int received(FakeProvider fake) {
    return requests(fake).size();
  }

  static List<LoggedRequest> requests(FakeProvider fake) {
    return fake.server().findAll(postRequestedFor(urlPathEqualTo(CHAT_PATH)));
  }

  static long count(List<String> served, String provider) {
    return served.stream().filter(provider::equals).count();
  }

  protected ProviderStats stats(String provider) {
    return gateway.switchboard().services().providers().get(provider).stats();
  }

  protected ProviderGuard guard(String provider) {
    return gateway.switchboard().services().guards().get(provider);
  }

  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
