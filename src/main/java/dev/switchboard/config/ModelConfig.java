package dev.switchboard.config;

import java.util.List;

/**
 * A public model name (alias) clients may ask for, and the targets that can serve it.
 *
 * @param strategy this alias's strategy, or null for {@code routing.strategy}
 * @param weights this alias's score weights, or null for {@code routing.weights}
 * @param firstToken this alias's first-token deadline for streams, or null for the providers' own
 * @param hedge whether this alias's streams are hedged, or null for {@code routing.hedge.enabled}
 * @param resume whether this alias's cut streams are resumed, or null for {@code routing.resume.enabled}
 */
public record ModelConfig(String name, List<TargetRef> targets, RoutingStrategy strategy, ScoreWeights weights,
                          java.time.Duration firstToken, Boolean hedge, Boolean resume) {
  public ModelConfig {
    targets = List.copyOf(targets);
  }

  public ModelConfig(String name, List<TargetRef> targets, RoutingStrategy strategy, ScoreWeights weights) {
    this(name, targets, strategy, weights, null, null, null);
  }

  public ModelConfig(String name, List<TargetRef> targets, RoutingStrategy strategy, ScoreWeights weights,
                     java.time.Duration firstToken, Boolean hedge) {
    this(name, targets, strategy, weights, firstToken, hedge, null);
  }
}
