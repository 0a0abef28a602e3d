package dev.switchboard.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Wraps a strategy so that a provider still ramping up after a recovery ({@code routing.slow_start}) goes to the back
 * of the line for the rest of its share: a target whose ramp is at share s keeps its place with probability s.
 */
final class SlowStart implements Strategy {
  private final Strategy inner;
  private final ProviderGuards guards;
  private final Supplier<? extends Random> random;

  SlowStart(Strategy inner, ProviderGuards guards, Supplier<? extends Random> random) {
    this.inner = inner;
    this.guards = guards;
    this.random = random;
  }

  Strategy inner() {
    return inner;
  }

  @Override
  public Scored order(Route route, List<Target> targets, long nowNanos) {
    Scored scored = inner.order(route, targets, nowNanos);
    if (targets.size() < 2) {
      return scored;
    }
    List<Target> demoted = null;
    for (Target t : targets) {
      double share = guards.of(t.provider()).rampShare(nowNanos);
      if (share < 1 && random.get().nextDouble() >= share) {
        demoted = demoted == null ? new ArrayList<>(1) : demoted;
        demoted.add(t);
      }
    }
    if (demoted != null && demoted.size() < targets.size()) {
      targets.removeAll(demoted);
      targets.addAll(demoted);
    }
    return scored;
  }
}
