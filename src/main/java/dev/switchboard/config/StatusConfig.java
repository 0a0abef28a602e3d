package dev.switchboard.config;

import java.time.Duration;

/**
 * The {@code status} section: who may read {@code GET /status}, and the figures behind {@code /admin/stats} and
 * {@code /admin/recommendations}.
 *
 * @param open {@code GET /status} answers without a key ({@code public}); false asks for the admin key
 * @param statsWindow the rolling window of the statistics' {@code window} figures ({@code stats_window})
 * @param slowFactor a provider is called slow when its p95 latency in the window is this many times the fastest
 *     alternative's for the same model ({@code slow_factor})
 * @param minSamples requests a provider needs in the window before its latency is compared ({@code min_samples})
 */
public record StatusConfig(boolean open, Duration statsWindow, double slowFactor, int minSamples) {
  public static final StatusConfig DEFAULT = new StatusConfig(true, Duration.ofHours(1), 2.0, 20);

  static StatusConfig parse(ConfigNode n) {
    StatusConfig d = DEFAULT;
    StatusConfig s = new StatusConfig(n.bool("public", d.open()), n.duration("stats_window", d.statsWindow()),
        n.decimal("slow_factor", d.slowFactor(), 1.1, 100), (int) n.integer("min_samples", d.minSamples(), 1, 1_000_000));
    if (s.statsWindow().toSeconds() < 60 || s.statsWindow().toDays() > 7) {
      n.problem("stats_window", "must be between 1m and 7d, got " + s.statsWindow());
    }
    n.rejectUnknown();
    return s;
  }
}
