package dev.switchboard.routing;

import java.util.Collections;
import java.util.List;

/** Each request starts one further along the route's targets; the route keeps the turn. */
final class RoundRobinStrategy implements Strategy {
  @Override
  public Scored order(Route route, List<Target> targets, long nowNanos) {
    int n = targets.size();
    if (n > 1) {
      Collections.rotate(targets, -(int) (route.nextTurn() % n));
    }
    return null;
  }
}
