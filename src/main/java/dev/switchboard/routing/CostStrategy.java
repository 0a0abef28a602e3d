package dev.switchboard.routing;

import java.util.List;

/** Cheapest configured price first; targets without a price last, in config order. */
final class CostStrategy implements Strategy {
  @Override
  public Scored order(Route route, List<Target> targets, long nowNanos) {
    if (targets.size() < 2) {
      return null;
    }
    TargetSort.by(targets, i -> targets.get(i).price() == null ? Double.MAX_VALUE : targets.get(i).price().ranking());
    return null;
  }
}
