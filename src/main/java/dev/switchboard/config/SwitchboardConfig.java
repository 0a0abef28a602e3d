package dev.switchboard.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The whole validated configuration. Immutable; runtime state lives in the services built from it. */
public record SwitchboardConfig(ServerConfig server, AuthConfig auth, LoggingConfig logging,
                                Map<String, ProviderConfig> providers, Map<String, ModelConfig> models,
                                RoutingConfig routing, HealthConfig health,
                                RateLimitConfig ratelimit, UsageConfig usage, CacheConfig cache,
                                MetricsConfig metrics, ResponsesConfig responses, ReloadConfig reload,
                                TelemetryConfig telemetry, StatusConfig status) {

  public SwitchboardConfig(ServerConfig server, AuthConfig auth, LoggingConfig logging,
                           Map<String, ProviderConfig> providers, Map<String, ModelConfig> models,
                           RoutingConfig routing, HealthConfig health, RateLimitConfig ratelimit, UsageConfig usage,
                           CacheConfig cache, MetricsConfig metrics, ResponsesConfig responses, ReloadConfig reload) {
    this(server, auth, logging, providers, models, routing, health, ratelimit, usage, cache, metrics, responses,
        reload, TelemetryConfig.OFF, StatusConfig.DEFAULT);
  }

  public SwitchboardConfig {
    providers = Collections.unmodifiableMap(new LinkedHashMap<>(providers));
    models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
  }
}
