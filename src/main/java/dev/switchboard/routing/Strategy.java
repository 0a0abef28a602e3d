package dev.switchboard.routing;

import java.util.List;

/**
 * One way of ordering a route's candidates for a request (Armeria's {@code EndpointSelectionStrategy}): the first is
 * tried first, the rest are the failover order. One class per strategy, found by its config name in
 * {@link Strategies}; slow start and exploration wrap any of them ({@link SlowStart}, {@link Exploration}).
 *
 * <p>Called on the request's event loop, synchronously; implementations are thread-safe (stateless, or state in the
 * route).
 */
interface Strategy {
  /**
   * Orders {@code targets} in place.
   *
   * @param nowNanos the request path's time (the guards' clock)
   * @return the scores behind the order, for x-switchboard-route; null when the strategy does not score
   */
  Scored order(Route route, List<Target> targets, long nowNanos);

  /** The scores a scoring strategy gave, {@code scores[i]} for {@code order.get(i)}. */
  record Scored(List<Target> order, ScoringPolicy.Score[] scores) {
    /** The score of {@code target}, or null if it was not scored. */
    ScoringPolicy.Score of(Target target) {
      int at = order.indexOf(target);
      return at < 0 ? null : scores[at];
    }
  }
}
