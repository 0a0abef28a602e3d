package dev.switchboard.routing;

import dev.switchboard.config.Clocks;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.testing.FakeClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** nginx's smooth weighted round-robin on a route, without HTTP: its sequence, refused targets, and racing picks. */
class SmoothWeightedStrategyTest {
  private final FakeClock clock = new FakeClock();
  private final SmoothWeightedStrategy strategy = new SmoothWeightedStrategy();

  private Route route(String weights) {
    String[] w = weights.split(",");
    SwitchboardConfig config = ConfigLoader.fromYaml("""
        providers:
          a: {base_url: "http://127.0.0.1:1/v1", models: [m]}
          b: {base_url: "http://127.0.0.1:2/v1", models: [m]}
          c: {base_url: "http://127.0.0.1:3/v1", models: [m]}
        models:
          alias:
            targets:
              - {provider: a, model: m, weight: %s}
              - {provider: b, model: m, weight: %s}
              - {provider: c, model: m, weight: %s}
        """.formatted(w[0], w[1], w[2]), Map.of());
    ProviderRegistry providers = new ProviderRegistry(config, new Clocks(clock, clock));
    return new ModelCatalog(config, providers).resolve("alias").orElseThrow();
  }

  private String pick(Route route, List<Target> among) {
    List<Target> order = new ArrayList<>(among);
    strategy.order(route, order, 0);
    return order.get(0).provider().id();
  }

  private List<String> picks(Route route, int n) {
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(pick(route, route.targets()));
    }
    return out;
  }

  @Test
  void weightsFiveOneOneGiveNginxsSequence() {
    assertThat(picks(route("5,1,1"), 7)).containsExactly("a", "a", "b", "a", "c", "a", "a");
  }

  @Test
  void equalWeightsAlternateAndZeroNeverLeads() {
    assertThat(picks(route("1,1,1"), 6)).containsExactly("a", "b", "c", "a", "b", "c");
    Route zero = route("2,0,1");
    assertThat(picks(zero, 6)).containsExactly("a", "c", "a", "a", "c", "a");
    List<Target> order = new ArrayList<>(zero.targets());
    strategy.order(zero, order, 0);
    assertThat(order.get(2).provider().id()).as("weight 0 is the last failover").isEqualTo("b");
  }

  @Test
  void aRefusedTargetKeepsItsTurnWhileTheOthersShare() {
    Route route = route("1,1,1");
    List<Target> withoutA = route.targets().subList(1, 3);

    assertThat(pick(route, route.targets())).isEqualTo("a");
    assertThat(List.of(pick(route, withoutA), pick(route, withoutA))).containsExactly("b", "c");
    assertThat(picks(route, 3)).containsExactly("b", "c", "a");
  }

  @Test
  void racingPicksLoseNoTurn() throws Exception {
    Route route = route("5,1,1");
    Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
    int threads = 4;
    int each = 1_750;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      for (int t = 0; t < threads; t++) {
        pool.submit(() -> {
          start.await();
          for (int i = 0; i < each; i++) {
            counts.computeIfAbsent(pick(route, route.targets()), k -> new AtomicLong()).incrementAndGet();
          }
          return null;
        });
      }
      start.countDown();
      pool.shutdown();
      assertThat(pool.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      pool.shutdownNow();
    }
    // 7000 picks are 1000 full rounds of 7: exactly 5000 / 1000 / 1000 when every pick is one CAS step.
    assertThat(counts.get("a").get()).isEqualTo(5_000);
    assertThat(counts.get("b").get()).isEqualTo(1_000);
    assertThat(counts.get("c").get()).isEqualTo(1_000);
    assertThat(route.smoothWeights().get()).as("back where it started").containsExactly(0, 0, 0);
  }
}
