package dev.switchboard.testing;

import java.util.Arrays;

/** Reads Prometheus text as /metrics serves it. */
public final class Metrics {
  private Metrics() {
  }

  /** The sum of every sample of a meter whose labels include all of {@code labels} (0 when there is none). */
  public static double sum(String text, String name, String... labels) {
    return Arrays.stream(text.split("\n"))
        .filter(l -> (l.startsWith(name + "{") || l.startsWith(name + " ")) && Arrays.stream(labels).allMatch(l::contains))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }
}
