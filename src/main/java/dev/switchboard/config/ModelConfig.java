package dev.switchboard.config;

import java.util.List;

/**
 * A public model name (alias) clients may ask for, and the targets that can serve it.
 *
 * @param strategy this alias's strategy, or null for {@code routing.strategy}
 * @param weights this alias's score weights, or null for {@code routing.weights}
 */
public record ModelConfig(String name, List<TargetRef> targets, RoutingStrategy strategy, ScoreWeights weights) {
  public ModelConfig {
    targets = List.copyOf(targets);
  }
}
