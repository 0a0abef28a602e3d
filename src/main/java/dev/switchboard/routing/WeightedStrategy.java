package dev.switchboard.routing;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Weighted random by each target's configured weight: sampling without replacement (Efraimidis-Spirakis), so the first
 * is drawn by weight, and so is each failover after it. Weight 0 draws last.
 */
final class WeightedStrategy implements Strategy {
  private final Supplier<? extends Random> random;

  WeightedStrategy(Supplier<? extends Random> random) {
    this.random = random;
  }

  @Override
  public Scored order(Route route, List<Target> targets, long nowNanos) {
    int n = targets.size();
    if (n < 2) {
      return null;
    }
    Random r = random.get();
    double[] keys = new double[n];
    for (int i = 0; i < n; i++) {
      double w = targets.get(i).weight();
      keys[i] = w <= 0 ? -1 - r.nextDouble() : Math.pow(r.nextDouble(), 1 / w);
    }
    TargetSort.by(targets, i -> -keys[i]);
    return null;
  }
}
