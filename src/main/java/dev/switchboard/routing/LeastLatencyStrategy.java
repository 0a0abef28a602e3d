package dev.switchboard.routing;

import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/** Lowest smoothed time to first token first; unmeasured first of all, ties in random order. */
final class LeastLatencyStrategy implements Strategy {
  private final Supplier<? extends Random> random;

  LeastLatencyStrategy(Supplier<? extends Random> random) {
    this.random = random;
  }

  @Override
  public Scored order(Route route, List<Target> targets, long nowNanos) {
    if (targets.size() < 2) {
      return null;
    }
    Collections.shuffle(targets, random.get());
    // Unmeasured first: they may be the fastest, and this is how they get measured.
    TargetSort.by(targets, i -> {
      double l = ScoringPolicy.firstTokenMillis(targets.get(i).provider().stats());
      return l <= 0 ? -1 : l;
    });
    return null;
  }
}
