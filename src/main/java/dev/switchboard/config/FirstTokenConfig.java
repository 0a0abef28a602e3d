package dev.switchboard.config;

import java.time.Duration;

/**
 * How long a stream may stay without content before its attempt is abandoned and the next candidate tried, when
 * neither the request ({@code x-switchboard-first-token-timeout}), the alias ({@code models.X.first_token}) nor the
 * provider ({@code timeouts.first_token}) names a deadline: {@code factor} × the provider's live p99 time to first
 * token, bounded by {@code min} and {@code max}, once it has {@code minSamples} samples (before that, none: the
 * provider's {@code first_byte} and {@code idle} still apply).
 *
 * @param factor multiple of the live p99; 0 turns the derived deadline off
 * @param min the derived deadline is never shorter than this
 * @param max the derived deadline is never longer than this
 * @param minSamples streams measured before the p99 is trusted
 */
public record FirstTokenConfig(double factor, Duration min, Duration max, int minSamples) {
  public static final FirstTokenConfig DEFAULT = new FirstTokenConfig(3, Duration.ofSeconds(10),
      Duration.ofSeconds(120), 20);

  public boolean auto() {
    return factor > 0;
  }

  static FirstTokenConfig parse(ConfigNode n) {
    FirstTokenConfig d = DEFAULT;
    FirstTokenConfig c = new FirstTokenConfig(n.decimal("factor", d.factor(), 0, 100), n.duration("min", d.min()),
        n.duration("max", d.max()), (int) n.integer("min_samples", d.minSamples(), 1, 1_000));
    if (c.min().isNegative() || c.min().isZero()) {
      n.problem("min", "must be positive");
    }
    if (c.max().compareTo(c.min()) < 0) {
      n.problem("max", "must not be shorter than min");
    }
    n.rejectUnknown();
    return c;
  }
}
