package dev.switchboard.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** How the candidates of a route are ordered; the first is tried first, the rest are the failover order. */
public enum RoutingStrategy {
  /** Highest weighted score of latency, error rate, quality, cost, load and headroom. */
  SCORE,
  /** Config order: the primary first, fallbacks after. */
  PRIORITY,
  ROUND_ROBIN,
  /** Weighted random by each target's configured weight. */
  WEIGHTED,
  /** nginx's smooth weighted round-robin by each target's configured weight: deterministic, evenly spread. */
  WEIGHTED_ROUND_ROBIN,
  /** Lowest smoothed time to first token. */
  LEAST_LATENCY,
  /** Fewest requests in flight. */
  LEAST_BUSY,
  /** Cheapest configured price first. */
  COST,
  RANDOM;

  /** The name used in config and in {@code x-switchboard-strategy}, e.g. "least-latency". */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static Optional<RoutingStrategy> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String t = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    for (RoutingStrategy s : values()) {
      if (s.label().equals(t)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  public static String labels() {
    return Arrays.stream(values()).map(RoutingStrategy::label).collect(Collectors.joining(", "));
  }
}
