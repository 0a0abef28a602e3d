package dev.switchboard.admin;

import dev.switchboard.cache.ResponseCache;
import dev.switchboard.config.SwitchboardConfig;
import dev.switchboard.health.ProviderHealths;
import dev.switchboard.metrics.GatewayMetrics;
import dev.switchboard.provider.ProviderRegistry;
import dev.switchboard.ratelimit.RateLimiter;
import dev.switchboard.routing.ProviderGuards;
import dev.switchboard.routing.Selector;
import dev.switchboard.usage.UsageService;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * What the admin API and the live feed read and act on, handed over by the launcher: the admin surface sits above
 * the services and beside the HTTP front door, and knows nothing of the front door itself.
 */
public record AdminServices(SwitchboardConfig config, ProviderRegistry providers, ProviderGuards guards,
                            ProviderHealths health, Selector selector, RateLimiter limiter, UsageService usage,
                            ResponseCache cache, GatewayMetrics metrics, PrometheusMeterRegistry prometheus) {
}
