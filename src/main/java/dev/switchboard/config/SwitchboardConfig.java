package dev.switchboard.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The whole validated configuration. Immutable; runtime state lives in the services built from it. */
public record SwitchboardConfig(ServerConfig server, AuthConfig auth, LoggingConfig logging,
                                Map<String, ProviderConfig> providers, Map<String, ModelConfig> models,
                                RoutingConfig routing, HealthConfig health,
                                RateLimitConfig ratelimit, UsageConfig usage, CacheConfig cache,
                                MetricsConfig metrics, ResponsesConfig responses,
                                StatusConfig status) {

  public SwitchboardConfig {
    providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
    models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
  }
}
