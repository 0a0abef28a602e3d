package dev.switchboard.config;

import java.time.Duration;

/**
 * Hedged stream attempts: when the first attempt of a stream has produced no content after a delay, a second one
 * starts on the next candidate; the first to produce content wins, the other is cancelled.
 *
 * @param enabled hedge streams by default (aliases and the {@code x-switchboard-hedge} header override it)
 * @param delay fixed delay before the hedge; null: the provider's live {@code percentile} time to first token
 * @param percentile which live percentile of the first attempt's provider is the delay (with {@code delay: auto})
 * @param minSamples streams measured before the live percentile is trusted; until then {@code initialDelay}
 * @param initialDelay the delay while the provider has too few samples
 * @param minDelay the live delay is never shorter than this
 * @param budget extra attempts hedging may add, as a share of hedge-eligible requests (0.1: at most 10 % more)
 * @param burst hedges allowed at once beyond the budget's share (the budget's bucket size)
 */
public record HedgeConfig(boolean enabled, Duration delay, double percentile, int minSamples, Duration initialDelay,
                          Duration minDelay, double budget, int burst) {
  public static final HedgeConfig DEFAULT = new HedgeConfig(false, null, 0.9, 20, Duration.ofSeconds(2),
      Duration.ofMillis(100), 0.1, 10);

  static HedgeConfig parse(ConfigNode n) {
    HedgeConfig d = DEFAULT;
    Duration delay = null;
    if (n.has("delay") && !"auto".equals(n.string("delay", "auto").trim())) {
      delay = n.duration("delay", d.initialDelay());
      if (delay.isNegative()) {
        n.problem("delay", "must be auto or a duration of 0 or more");
      }
    }
    HedgeConfig c = new HedgeConfig(n.bool("enabled", d.enabled()), delay,
        n.decimal("percentile", d.percentile(), 0.5, 0.999), (int) n.integer("min_samples", d.minSamples(), 1, 1000),
        n.duration("initial_delay", d.initialDelay()), n.duration("min_delay", d.minDelay()),
        n.decimal("budget", d.budget(), 0, 1), (int) n.integer("burst", d.burst(), 0, 10_000));
    n.rejectUnknown();
    return c;
  }
}
