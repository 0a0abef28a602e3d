package dev.switchboard.config;

import java.time.Duration;

/**
 * How one provider is probed.
 *
 * @param mode {@code models}: a free call listing models (default); {@code completion}: a one-token completion
 *     of {@code model}, for providers where listing models proves little; {@code none}: passive signals only
 * @param model model for the completion probe (default: the provider's first listed model)
 * @param interval this provider's probe interval, or null for {@code health.interval}
 */
public record ProbeConfig(String mode, String model, Duration interval) {
  public static final ProbeConfig DEFAULT = new ProbeConfig("models", null, null);
}
