package dev.switchboard.routing;

import java.util.List;

/** Config order: the primary first, fallbacks after. */
final class PriorityStrategy implements Strategy {
  @Override
  public Scored order(Route route, List<Target> targets, long nowNanos) {
    return null;
  }
}
