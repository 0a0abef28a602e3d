package dev.switchboard.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * nginx's smooth weighted round-robin: deterministic where {@code weighted} draws at random, and spread out (weights
 * 5,1,1 give a a b a c a a, not a a a a a b c). On each pick every candidate's current weight grows by its configured
 * weight, the largest goes first and gives back the sum of the candidates' weights. The failover order after it is by
 * current weight as it stands after the pick. Weight 0 never leads and goes last.
 *
 * <p>The current weights live in the route ({@link Route#smoothWeights()}), indexed like {@link Route#targets()}, as
 * an immutable array swapped by compare-and-set, so concurrent picks on several event loops neither lock nor lose a
 * turn. Targets refused for this request keep their current weight, as nginx skips a down peer.
 */
final class SmoothWeightedStrategy implements Strategy {
  @Override
  public Scored order(Route route, List<Target> targets, long nowNanos) {
    int n = targets.size();
    if (n < 2) {
      return null;
    }
    List<Target> all = route.targets();
    int[] at = new int[n];
    for (int i = 0; i < n; i++) {
      at[i] = all.indexOf(targets.get(i));
    }
    AtomicReference<double[]> state = route.smoothWeights();
    double[] before;
    double[] after;
    do {
      before = state.get();
      after = pick(before, targets, at);
    } while (!state.compareAndSet(before, after));
    int winner = winner(before, targets, at);
    double[] current = after;
    TargetSort.by(targets, i -> {
      if (at[i] == winner) {
        return -Double.MAX_VALUE;
      }
      return targets.get(i).weight() <= 0 || at[i] < 0 ? Double.MAX_VALUE : -current[at[i]];
    });
    return null;
  }

  /** The new current weights after one pick among {@code targets}; {@code before} is left as it was. */
  private static double[] pick(double[] before, List<Target> targets, int[] at) {
    double[] next = before.clone();
    int winner = winner(before, targets, at);
    if (winner < 0) {
      return next;
    }
    double total = 0;
    for (int i = 0; i < targets.size(); i++) {
      double w = Math.max(0, targets.get(i).weight());
      if (at[i] < 0) {
        continue;
      }
      next[at[i]] += w;
      total += w;
    }
    next[winner] -= total;
    return next;
  }

  /** The route index of the target this pick chooses: the largest current weight after adding weights; -1 if none. */
  private static int winner(double[] before, List<Target> targets, int[] at) {
    int best = -1;
    double bestWeight = 0;
    for (int i = 0; i < targets.size(); i++) {
      double w = targets.get(i).weight();
      if (w <= 0 || at[i] < 0) {
        continue;
      }
      double c = before[at[i]] + w;
      if (best < 0 || c > bestWeight) {
        best = at[i];
        bestWeight = c;
      }
    }
    return best;
  }
}
