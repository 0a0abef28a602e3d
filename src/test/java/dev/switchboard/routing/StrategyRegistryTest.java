package dev.switchboard.routing;

import dev.switchboard.config.Clocks;
import dev.switchboard.config.ConfigException;
import dev.switchboard.config.ConfigLoader;
import dev.switchboard.config.RoutingStrategy;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.testing.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The strategy registry (each config name → its class, wrapped as routing asks) and the wrappers around any order. */
class StrategyRegistryTest {
  private static Vertx vertx;

  private final FakeClock clock = new FakeClock();
  private ProviderRegistry providers;
  private ProviderGuards guards;
  private Route route;

  @BeforeAll
  static void vertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void close() {
    vertx.close();
  }

  private SwitchboardConfig build(String routing) {
    SwitchboardConfig config = ConfigLoader.fromYaml("""
        routing: %s
        providers:
          pricey: {base_url: "http://127.0.0.1:1/v1", models: [{name: m, input_price: 10, output_price: 30}]}
          cheap: {base_url: "http://127.0.0.1:2/v1", models: [{name: m, input_price: 1, output_price: 2}]}
        models:
          alias:
            targets:
              - {provider: pricey, model: m}
              - {provider: cheap, model: m}
        """.formatted(routing), Map.of());
    providers = new ProviderRegistry(config, new Clocks(clock, clock));
    guards = new ProviderGuards(vertx, providers, config.routing(), new GatewayMetrics(new SimpleMeterRegistry()),
        new Clocks(clock, clock));
    route = new ModelCatalog(config, providers).resolve("alias").orElseThrow();
    return config;
  }

  private Strategies strategies(SwitchboardConfig config) {
    return new Strategies(config.routing(), new ScoringPolicy(Headroom.FULL), guards);
  }

  @Test
  void everyConfigNameFindsItsOwnClass() {
    Strategies registry = strategies(build("{explore: 0.1}"));
    Map<RoutingStrategy, Class<?>> expected = Map.of(
        RoutingStrategy.SCORE, ScoreStrategy.class,
        RoutingStrategy.PRIORITY, PriorityStrategy.class,
        RoutingStrategy.ROUND_ROBIN, RoundRobinStrategy.class,
        RoutingStrategy.WEIGHTED, WeightedStrategy.class,
        RoutingStrategy.WEIGHTED_ROUND_ROBIN, SmoothWeightedStrategy.class,
        RoutingStrategy.LEAST_LATENCY, LeastLatencyStrategy.class,
        RoutingStrategy.LEAST_BUSY, LeastBusyStrategy.class,
        RoutingStrategy.COST, CostStrategy.class,
        RoutingStrategy.RANDOM, RandomStrategy.class);

    assertThat(expected).as("every name has a class").hasSize(RoutingStrategy.values().length);
    expected.forEach((name, type) -> assertThat(registry.bare(name)).as(name.label()).isInstanceOf(type));
  }

  @Test
  void freelyRoutedRequestsGetSlowStartAroundEveryOrderButPriorityAndExplorationAroundScore() {
    Strategies registry = strategies(build("{explore: 0.1}"));

    assertThat(registry.of(RoutingStrategy.PRIORITY)).as("config order is kept as written")
        .isInstanceOf(PriorityStrategy.class);
    assertThat(registry.of(RoutingStrategy.COST)).isInstanceOf(SlowStart.class);
    assertThat(((SlowStart) registry.of(RoutingStrategy.COST)).inner()).isInstanceOf(CostStrategy.class);
    Strategy score = registry.of(RoutingStrategy.SCORE);
    assertThat(score).isInstanceOf(Exploration.class);
    assertThat(((Exploration) score).inner()).isInstanceOf(SlowStart.class);
    assertThat(((SlowStart) ((Exploration) score).inner()).inner()).isInstanceOf(ScoreStrategy.class);
  }

  @Test
  void noExplorationWrapperWhenExploreIsZero() {
    Strategies registry = strategies(build("{explore: 0}"));

    assertThat(registry.of(RoutingStrategy.SCORE)).isInstanceOf(SlowStart.class);
  }

  @Test
  void anUnknownStrategyNameIsRejectedAtConfigLoadNamingTheField() {
    assertThatThrownBy(() -> build("{strategy: fastest}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("routing.strategy")
        .hasMessageContaining("fastest");
  }

  // ---- wrappers ------------------------------------------------------------------------------------------------

  /** A Random whose draws are fixed: nextDouble always {@code d}, nextInt always 0. */
  private static Random fixed(double d) {
    return new Random() {
      @Override
      public double nextDouble() {
        return d;
      }

      @Override
      public int nextInt(int bound) {
        return 0;
      }
    };
  }

  private List<String> order(Strategy strategy) {
    List<Target> targets = new ArrayList<>(route.targets());
    strategy.order(route, targets, clock.nanos());
    return targets.stream().map(t -> t.provider().id()).toList();
  }

  /** The cheap provider has just come back: its ramp is at its 10% floor. */
  private void cheapJustCameBack() {
    guards.get("cheap").coolDown(0, "test", clock.nanos());
  }

  @Test
  void slowStartSendsARampingProviderToTheBackOfAnyOrder() {
    build("{slow_start: 30s}");
    cheapJustCameBack();
    Random draw = fixed(0.5);

    assertThat(order(new CostStrategy())).as("cost alone").containsExactly("cheap", "pricey");
    assertThat(order(new SlowStart(new CostStrategy(), guards, () -> draw))).containsExactly("pricey", "cheap");
    assertThat(order(new RoundRobinStrategy())).as("round robin's first turn").containsExactly("pricey", "cheap");
    route.nextTurn();
    assertThat(order(new SlowStart(new RoundRobinStrategy(), guards, () -> draw))).as("its turn, but ramping")
        .containsExactly("pricey", "cheap");
  }

  @Test
  void slowStartKeepsTheOrderOnceTheRampIsOverOrTheDrawFallsInsideTheShare() {
    build("{slow_start: 30s}");
    cheapJustCameBack();

    assertThat(order(new SlowStart(new CostStrategy(), guards, () -> fixed(0.05)))).as("inside its 10% share")
        .containsExactly("cheap", "pricey");
    clock.advanceSeconds(30);
    assertThat(order(new SlowStart(new CostStrategy(), guards, () -> fixed(0.99)))).as("ramp over")
        .containsExactly("cheap", "pricey");
  }

  @Test
  void explorationPutsTheBestSecondAtItsRateAroundAnyOrder() {
    Strategy score = new ScoreStrategy(new ScoringPolicy(Headroom.FULL), build("{explore: 0}").routing().weights());
    List<String> scored = order(score);

    assertThat(order(new Exploration(score, 0.2, () -> fixed(0.1)))).as("drawn below the rate")
        .containsExactly(scored.get(1), scored.get(0));
    assertThat(order(new Exploration(score, 0.2, () -> fixed(0.3)))).as("drawn above the rate")
        .containsExactlyElementsOf(scored);
    assertThat(order(new Exploration(new CostStrategy(), 0.2, () -> fixed(0.1)))).containsExactly("pricey", "cheap");
  }

  @Test
  void wrappersPassTheInnerScoresThroughForTheRouteHeader() {
    Strategy score = new ScoreStrategy(new ScoringPolicy(Headroom.FULL), build("{slow_start: 30s}").routing().weights());
    cheapJustCameBack();
    List<Target> targets = new ArrayList<>(route.targets());

    Strategy.Scored scored = new Exploration(new SlowStart(score, guards, () -> fixed(0.5)), 1, () -> fixed(0))
        .order(route, targets, clock.nanos());

    assertThat(scored).isNotNull();
    assertThat(scored.order()).hasSize(2);
    for (Target t : targets) {
      assertThat(scored.of(t)).as(t.provider().id() + " keeps its score").isNotNull();
    }
  }
}
