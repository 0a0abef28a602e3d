package dev.switchboard.routing;

import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Wraps a strategy so that now and then ({@code routing.explore}, a probability) the best goes second, so the
 * others' numbers stay current and a recovered provider is noticed.
 */
final class Exploration implements Strategy {
  private final Strategy inner;
  private final double rate;
  private final Supplier<? extends Random> random;

  Exploration(Strategy inner, double rate, Supplier<? extends Random> random) {
    this.inner = inner;
    this.rate = rate;
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
    Random r = random.get();
    if (r.nextDouble() < rate) {
      Collections.swap(targets, 0, 1 + r.nextInt(targets.size() - 1));
    }
    return scored;
  }
}
