package dev.switchboard.routing;

import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/** Fewest requests in flight first, ties in random order. */
final class LeastBusyStrategy implements Strategy {
  private final Supplier<? extends Random> random;

  LeastBusyStrategy(Supplier<? extends Random> random) {
    this.random = random;
  }

  @Override
  public Scored order(Route route, List<Target> targets, long nowNanos) {
    if (targets.size() < 2) {
      return null;
    }
    Collections.shuffle(targets, random.get());
    TargetSort.by(targets, i -> targets.get(i).provider().stats().inFlight());
    return null;
  }
}
