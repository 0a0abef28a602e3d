package dev.switchboard.routing;

import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.api.ApiException;
import dev.switchboard.api.Endpoint;
import dev.switchboard.api.GatewayRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Ordering of each strategy, pins and gates, on the selector alone (no HTTP). */
class SelectorTest {
  private static Vertx vertx;

  private ProviderRegistry providers;
  private ProviderGuards guards;
  private ModelCatalog catalog;
  private Selector selector;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    vertx.close();
  }

  private void build(String routing, String aliasExtra) {
    String yaml = """
        routing:
          explore: 0
          slow_start: 0s
        %s
        providers:
          a: {base_url: "http://127.0.0.1:1/v1", models: [{name: m, input_price: 10, output_price: 30}], quality: 0.9, weight: 1}
          b: {base_url: "http://127.0.0.1:2/v1", models: [{name: m, input_price: 1, output_price: 2}], quality: 0.5, weight: 3}
          c: {base_url: "http://127.0.0.1:3/v1", models: [m], quality: 0.5}
          local: {type: local, models: [local-model]}
        models:
          alias:
        %s
            targets:
              - {provider: c, model: m}
              - {provider: a, model: m}
              - {provider: local}
        """.formatted(routing.indent(2).stripTrailing(), aliasExtra.indent(4).stripTrailing());
    SwitchboardConfig config = ConfigLoader.fromYaml(yaml, Map.of());
    providers = new ProviderRegistry(config);
    guards = new ProviderGuards(vertx, providers, config.routing(), new GatewayMetrics(new SimpleMeterRegistry()));
    catalog = new ModelCatalog(config, providers);
    selector = new Selector(config.routing(), providers, guards, new ScoringPolicy(Headroom.FULL), List.of());
  }

  private void build(String routing) {
    build(routing, "");
  }

  private static GatewayRequest request(String model, String pin, String strategy) {
    return new GatewayRequest("req", Endpoint.CHAT, model, false, false, new JsonObject(), Buffer.buffer(), "anon",
        pin, strategy, System.nanoTime());
  }

  private List<String> order(String model, String pin, String strategy) {
    return ids(selector.select(catalog.resolve(model).orElseThrow(), request(model, pin, strategy)));
  }

  private static List<String> ids(Selection s) {
    return s.candidates().stream().map(t -> t.provider().id()).collect(Collectors.toList());
  }

  private void warm(String provider, int successes, long latencyMillis) {
    var stats = providers.get(provider).stats();
    for (int i = 0; i < successes; i++) {
      stats.started();
      stats.firstToken(latencyMillis * 1_000_000);
      stats.succeeded(latencyMillis * 1_000_000);
    }
  }

  @Test
  void priorityKeepsConfigOrderWithLocalFallbackOnlyWhenNothingElse() {
    build("strategy: priority");
    assertThat(order("m", null, null)).containsExactly("a", "b", "c");
    assertThat(order("alias", null, null)).as("explicit local target stays last").containsExactly("c", "a", "local");
  }

  @Test
  void roundRobinRotatesPerRoute() {
    build("strategy: round-robin");
    assertThat(order("m", null, null)).containsExactly("a", "b", "c");
    assertThat(order("alias", null, null)).containsExactly("c", "a", "local");
    assertThat(order("m", null, null)).containsExactly("b", "c", "a");
    assertThat(order("m", null, null)).containsExactly("c", "a", "b");
    assertThat(order("alias", null, null)).containsExactly("a", "c", "local");
  }

  @Test
  void weightedFollowsConfiguredWeights() {
    build("strategy: weighted");
    Map<String, Integer> first = new HashMap<>();
    for (int i = 0; i < 5000; i++) {
      first.merge(order("m", null, null).get(0), 1, Integer::sum);
    }
    // weights a=1, b=3, c=1 (provider default)
    assertThat(first.get("b")).isBetween(2600, 3400);
    assertThat(first.get("a")).isBetween(700, 1300);
    assertThat(first.get("c")).isBetween(700, 1300);
  }

  @Test
  void leastLatencyPrefersMeasuredFastestButTriesUnmeasuredFirst() {
    build("strategy: least-latency");
    warm("a", 5, 300);
    warm("b", 5, 40);
    assertThat(order("m", null, null)).as("c has no samples yet").containsExactly("c", "b", "a");
    warm("c", 5, 100);
    assertThat(order("m", null, null)).containsExactly("b", "c", "a");
  }

  @Test
  void leastBusyPrefersFewestInFlight() {
    build("strategy: least-busy");
    providers.get("a").stats().started();
    providers.get("a").stats().started();
    providers.get("c").stats().started();
    assertThat(order("m", null, null)).containsExactly("b", "c", "a");
  }

  @Test
  void costPutsCheapestFirstAndUnpricedLast() {
    build("strategy: cost");
    assertThat(order("m", null, null)).containsExactly("b", "a", "c");
  }

  @Test
  void randomUsesEveryCandidateFirst() {
    build("strategy: random");
    Map<String, Integer> first = new HashMap<>();
    for (int i = 0; i < 600; i++) {
      first.merge(order("m", null, null).get(0), 1, Integer::sum);
    }
    assertThat(first).containsOnlyKeys("a", "b", "c");
    assertThat(first.values()).allSatisfy(n -> assertThat(n).isBetween(120, 280));
  }

  @Test
  void scoreWeighsLatencyErrorsQualityAndCost() {
    build("strategy: score");
    warm("a", 20, 100);
    warm("b", 20, 100);
    warm("c", 20, 100);
    // Equal latency and no errors: b's price (a tenth of a's) outweighs a's higher quality; c has no price.
    Selection s = selector.select(catalog.resolve("m").orElseThrow(), request("m", null, null));
    assertThat(ids(s)).containsExactly("b", "a", "c");
    assertThat(s.route()).startsWith("strategy=score; order=b:");

    var b = providers.get("b").stats();
    for (int i = 0; i < 10; i++) {
      b.started();
      b.failed();
    }
    assertThat(order("m", null, null).get(0)).as("b now fails a third of its attempts").isEqualTo("a");

    warm("a", 15, 2000);
    assertThat(order("m", null, null).get(0)).as("a slowed down twentyfold").isEqualTo("c");
  }

  @Test
  void unmeasuredProviderIsScoredOptimisticallySoItGetsTraffic() {
    build("strategy: score", "weights: {latency: 1, errors: 1, quality: 0, cost: 0, load: 0, headroom: 0}");
    warm("c", 50, 200);
    assertThat(order("alias", null, null)).as("a has no samples: assumed as good as the best")
        .containsExactly("c", "a", "local").satisfies(o -> {
          Selection s = selector.select(catalog.resolve("alias").orElseThrow(), request("alias", null, null));
          assertThat(s.route()).contains("c:1.000").contains("a:1.000");
        });
  }

  @Test
  void explorationSometimesPutsAnotherCandidateFirst() {
    build("strategy: score\nexplore: 0.2");
    warm("a", 20, 10);
    warm("b", 20, 500);
    warm("c", 20, 500);
    int notBest = 0;
    for (int i = 0; i < 2000; i++) {
      if (!order("m", null, null).get(0).equals("a")) {
        notBest++;
      }
    }
    assertThat(notBest).isBetween(300, 500);
  }

  @Test
  void aliasStrategyAndHeaderOverrideTheDefault() {
    build("strategy: score", "strategy: priority");
    assertThat(order("alias", null, null)).containsExactly("c", "a", "local");
    assertThat(selector.select(catalog.resolve("m").orElseThrow(), request("m", null, "Round_Robin")).strategy())
        .hasToString("ROUND_ROBIN");
    assertThatThrownBy(() -> order("m", null, "fastest"))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.error().status()).isEqualTo(400);
          assertThat(e.error().param()).isEqualTo("x-switchboard-strategy");
          assertThat(e.error().code()).isEqualTo("invalid_strategy");
        });
  }

  @Test
  void pinRestrictsAndPreferReorders() {
    build("strategy: priority");
    assertThat(order("m", "c", null)).containsExactly("c");
    assertThat(order("m", "c,b", null)).containsExactly("b", "c");
    assertThat(order("m", "prefer:c", null)).containsExactly("c", "a", "b");
    assertThat(order("alias", "c", null)).as("a pin leaves out the local fallback too").containsExactly("c");
    assertThatThrownBy(() -> order("m", "nope", null)).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.error().code()).isEqualTo("unknown_provider"));
    assertThatThrownBy(() -> order("alias", "b", null)).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.error().code()).isEqualTo("provider_not_serving_model"));
  }

  @Test
  void refusedProvidersAreLeftOutWithTheirReason() {
    build("strategy: priority");
    guards.get("a").suspend("credentials refused");
    long cooledAt = System.nanoTime();
    guards.get("b").coolDown(30_000, "rate limited by the provider", cooledAt);
    Selection s = selector.select(catalog.resolve("m").orElseThrow(), request("m", null, null));
    // What is left of the 30 s: exactly the time since, however long a loaded machine took to get here.
    long since = java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cooledAt);
    assertThat(ids(s)).containsExactly("c");
    assertThat(s.refused()).containsExactly("a: credentials refused", "b: rate limited by the provider");
    assertThat(s.retryAfterMillis()).isBetween(30_000L - since - 1, 30_000L);

    guards.get("c").suspend("credentials refused");
    Selection none = selector.select(catalog.resolve("m").orElseThrow(), request("m", null, null));
    assertThat(ids(none)).as("real providers configured: the local provider is no implicit fallback").isEmpty();
    Selection alias = selector.select(catalog.resolve("alias").orElseThrow(), request("alias", null, null));
    assertThat(ids(alias)).as("only the explicit local target is left").containsExactly("local");
  }

  @Test
  void extraGatesPlugIn() {
    build("strategy: priority");
    SwitchboardConfig config = ConfigLoader.fromYaml("""
        routing: {strategy: priority, explore: 0}
        providers:
          x: {base_url: "http://127.0.0.1:1/v1", models: [m]}
        """, Map.of());
    Selector gated = new Selector(config.routing(), providers, guards, new ScoringPolicy(Headroom.FULL),
        List.of((target, request, now) -> target.provider().id().equals("b") ? "budget spent" : null));
    Selection s = gated.select(catalog.resolve("m").orElseThrow(), request("m", null, null));
    assertThat(ids(s)).containsExactly("a", "c");
    assertThat(s.refused()).containsExactly("b: budget spent");
  }
}
