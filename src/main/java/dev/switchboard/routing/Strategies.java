package dev.switchboard.routing;

import dev.switchboard.config.RoutingConfig;
import dev.switchboard.config.RoutingStrategy;

import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Every routing strategy by its config name ({@link RoutingStrategy}, already validated at config load and by the
 * selector for {@code x-switchboard-strategy}), each built once. A request routed freely gets the strategy with its
 * wrappers — {@link SlowStart} for every order but the configured one ({@code priority}), {@link Exploration} for
 * {@code score} when {@code routing.explore} is above 0; a pinned request gets the bare strategy. Thread-safe
 * (immutable after construction).
 */
final class Strategies {
  private final Map<RoutingStrategy, Strategy> bare = new EnumMap<>(RoutingStrategy.class);
  private final Map<RoutingStrategy, Strategy> wrapped = new EnumMap<>(RoutingStrategy.class);

  Strategies(RoutingConfig config, ScoringPolicy scoring, ProviderGuards guards) {
    this(config, scoring, guards, ThreadLocalRandom::current);
  }

  /** @param random the randomness of shuffles, weighted draws, ramps and exploration (tests pass a seeded one) */
  Strategies(RoutingConfig config, ScoringPolicy scoring, ProviderGuards guards, Supplier<? extends Random> random) {
    for (RoutingStrategy name : RoutingStrategy.values()) {
      Strategy s = create(name, config, scoring, random);
      bare.put(name, s);
      if (name != RoutingStrategy.PRIORITY) {
        s = new SlowStart(s, guards, random);
        if (name == RoutingStrategy.SCORE && config.explore() > 0) {
          s = new Exploration(s, config.explore(), random);
        }
      }
      wrapped.put(name, s);
    }
  }

  private static Strategy create(RoutingStrategy name, RoutingConfig config, ScoringPolicy scoring,
                                 Supplier<? extends Random> random) {
    return switch (name) {
      case SCORE -> new ScoreStrategy(scoring, config.weights());
      case PRIORITY -> new PriorityStrategy();
      case ROUND_ROBIN -> new RoundRobinStrategy();
      case WEIGHTED -> new WeightedStrategy(random);
      case WEIGHTED_ROUND_ROBIN -> new SmoothWeightedStrategy();
      case LEAST_LATENCY -> new LeastLatencyStrategy(random);
      case LEAST_BUSY -> new LeastBusyStrategy(random);
      case COST -> new CostStrategy();
      case RANDOM -> new RandomStrategy(random);
    };
  }

  /** The strategy of that name with its wrappers, for a request routed freely. */
  Strategy of(RoutingStrategy name) {
    return wrapped.get(name);
  }

  /** The strategy of that name alone, for a request pinned to providers by {@code x-switchboard-provider}. */
  Strategy bare(RoutingStrategy name) {
    return bare.get(name);
  }
}
