package dev.switchboard.routing;

import dev.switchboard.config.ScoreWeights;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Highest weighted score first ({@link ScoringPolicy}), with the route's weights or the default ones. */
final class ScoreStrategy implements Strategy {
  private final ScoringPolicy scoring;
  private final ScoreWeights defaultWeights;

  ScoreStrategy(ScoringPolicy scoring, ScoreWeights defaultWeights) {
    this.scoring = scoring;
    this.defaultWeights = defaultWeights;
  }

  @Override
  public Scored order(Route route, List<Target> targets, long nowNanos) {
    // Scored even when alone: x-switchboard-route shows the score.
    int n = targets.size();
    ScoreWeights w = route.weights() != null ? route.weights() : defaultWeights;
    ScoringPolicy.Score[] s = scoring.score(targets, w);
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Double.compare(s[b].total(), s[a].total()));
    List<Target> sorted = new ArrayList<>(n);
    ScoringPolicy.Score[] out = new ScoringPolicy.Score[n];
    for (int i = 0; i < n; i++) {
      sorted.add(targets.get(idx[i]));
      out[i] = s[idx[i]];
    }
    targets.clear();
    targets.addAll(sorted);
    return new Scored(List.copyOf(sorted), out);
  }
}
