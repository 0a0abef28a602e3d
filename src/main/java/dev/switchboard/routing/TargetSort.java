package dev.switchboard.routing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntToDoubleFunction;

/** Sorting helpers shared by the strategies. */
final class TargetSort {
  private TargetSort() {
  }

  /** Stable ascending sort of {@code targets} by a key computed once per element (index in the current order). */
  static void by(List<Target> targets, IntToDoubleFunction key) {
    int n = targets.size();
    double[] keys = new double[n];
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      keys[i] = key.applyAsDouble(i);
      idx[i] = i;
    }
    Arrays.sort(idx, Comparator.comparingDouble(i -> keys[i]));
    List<Target> sorted = new ArrayList<>(n);
    for (Integer i : idx) {
      sorted.add(targets.get(i));
    }
    targets.clear();
    targets.addAll(sorted);
  }
}
