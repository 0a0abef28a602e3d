package dev.switchboard.routing;

import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/** A uniformly random order. */
final class RandomStrategy implements Strategy {
  private final Supplier<? extends Random> random;

  RandomStrategy(Supplier<? extends Random> random) {
    this.random = random;
  }

  @Override
  public Scored order(Route route, List<Target> targets, long nowNanos) {
    if (targets.size() > 1) {
      Collections.shuffle(targets, random.get());
    }
    return null;
  }
}
