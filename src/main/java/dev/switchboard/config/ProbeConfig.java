package dev.switchboard.config;

import io.vertx.core.json.JsonObject;

import java.time.Duration;

/**
 * How one provider is probed.
 *
 * @param mode {@code models}: a free call listing models (default); {@code completion}: a one-token completion
 *     of {@code model}, for providers where listing models proves little; {@code embeddings}, {@code images},
 *     {@code speech}: one cheap request of that service type to {@code model}, for a provider that serves it, so its
 *     health is that service's; {@code none}: passive signals only
 * @param model model for a completion or service-type probe (default: the provider's first listed model)
 * @param interval this provider's probe interval, or null for {@code health.interval}
 * @param body the probe request's body instead of the mode's cheap default (its {@code model} is filled in), or null
 */
public record ProbeConfig(String mode, String model, Duration interval, JsonObject body) {
  public static final ProbeConfig DEFAULT = new ProbeConfig("models", null, null);

  public ProbeConfig(String mode, String model, Duration interval) {
    this(mode, model, interval, null);
  }

  public ProbeConfig {
    body = body == null ? null : body.copy();
  }

  /** The configured body (a copy, so no caller can change the config), or null. */
  @Override
  public JsonObject body() {
    return body == null ? null : body.copy();
  }

  /** Whether a successful probe sends what live traffic sends, so it also proves the key may serve requests. */
  public boolean likeTraffic() {
    return !"models".equals(mode) && !"none".equals(mode);
  }
}
